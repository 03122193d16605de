from django.urls import path

from config.urls_common import common_patterns, error_handlers

from . import api, views

urlpatterns = [
    path("", views.home, name="home"),
    path("keys/", views.keys_page, name="aggregation-keys"),
    path("keys/rotate", views.rotate, name="aggregation-rotate"),
    path("jobs/", views.jobs_page, name="aggregation-jobs"),
    path("jobs/<path:job_request_id>/", views.job_page, name="aggregation-job"),
    path("jobs/<path:job_request_id>/output", views.job_output, name="aggregation-job-output"),
    path("jobs/<path:job_request_id>/progress.json", api.job_progress, name="aggregation-job-progress"),
    path("budget/", views.budget_page, name="aggregation-budget"),
    path(".well-known/aggregation-service/v1/public-keys", api.public_keys, name="aggregation-public-keys"),
    path("v1alpha/createJob", api.create_job, name="aggregation-create-job"),
    path("v1alpha/getJob", api.get_job, name="aggregation-get-job"),
    *common_patterns(),
]

handler400, handler403, handler404, handler500 = error_handlers()
