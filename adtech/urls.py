from django.urls import path, re_path

from config.urls_common import common_patterns, error_handlers

from . import api, summary_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path("dashboard/clear", views.clear_data, name="clear-data"),
    path("register/source", views.register_source, name="register-source"),
    path("register/trigger", views.register_trigger, name="register-trigger"),
    path("ads/serve", views.ads_serve, name="ads-serve"),
    re_path(r"^\.well-known/attribution-reporting/(?P<sub>.+)$", views.receive_report, name="receive-report"),
    path("campaigns/", views.campaign_list, name="campaigns"),
    path("campaigns/<slug:slug>/", views.campaign_edit, name="campaign-edit"),
    path("conversions/", views.conversions, name="conversions"),
    path("tools/validate", views.validator, name="validator"),
    path("api/dashboard", views.dashboard_json, name="api-dashboard"),
    path("api/reports/", api.ReportList.as_view(), name="api-reports"),
    path("api/campaigns/", api.CampaignList.as_view(), name="api-campaigns"),
    path("api/validate", api.ValidateView.as_view(), name="api-validate"),
    path("summaries/", summary_views.summary_list, name="adtech-summaries"),
    path("summaries/create", summary_views.summary_create, name="adtech-summary-create"),
    path("summaries/<str:job_request_id>/", summary_views.summary_detail, name="adtech-summary-detail"),
    path("summaries/<str:job_request_id>/rerun", summary_views.summary_rerun, name="adtech-summary-rerun"),
    *common_patterns(),
]

handler400, handler403, handler404, handler500 = error_handlers()
