from django.urls import path, re_path

from config.urls_common import common_patterns, error_handlers

from . import api, testing, views

urlpatterns = [
    path("", views.home, name="home"),
    path("shim.js", views.shim, name="shim"),
    path("navigate", views.navigate, name="browser-navigate"),
    path("actions/<slug:name>", views.action, name="browser-action"),
    # The network service: the page's own eligible (or plain) request, made once.
    path("network", views.network_fetch, name="browser-network"),
    path("network/outcome/<str:rid>", views.network_outcome, name="browser-network-outcome"),
    path("sw.js", views.service_worker, name="browser-sw"),
    # JSON API (Django REST framework).
    path("api/", api.RootView.as_view(), name="browser-api-root"),
    path("api/clock", api.StateView.as_view(), name="browser-api-clock"),
    path("api/registrations", api.RegistrationsView.as_view(), name="browser-api-registrations"),
    path("api/navigations/<str:token>", api.NavigationView.as_view(), name="browser-api-navigation"),
    path("api/registration-hops", api.RegistrationHopsView.as_view(), name="browser-api-hops"),
    path("api/state", api.StateView.as_view(), name="browser-api-state"),
    path("api/summary", api.SummaryView.as_view(), name="browser-api-summary"),
    path("api/sources", api.SourcesView.as_view(), name="browser-api-sources"),
    path("api/reports", api.ReportsView.as_view(), name="browser-api-reports"),
    path("api/reports/<str:report_id>", api.ReportView.as_view(), name="browser-api-report"),
    path("api/internals", api.InternalsView.as_view(), name="browser-api-internals"),
    path("api/actions/<slug:action>", api.ActionView.as_view(), name="browser-api-action"),
    # Test-only pages and endpoints (404 unless DEBUG or ARA_BROWSER_TEST_PAGES).
    path("test/mechanisms", testing.mechanisms, name="browser-test-mechanisms"),
    path("test/clicks", testing.clicks, name="browser-test-clicks"),
    path("test/conversion", testing.conversion, name="browser-test-conversion"),
    path("test/register-source", testing.register_source, name="browser-test-register-source"),
    path("test/register-trigger", testing.register_trigger, name="browser-test-register-trigger"),
    re_path(
        r"^\.well-known/attribution-reporting/(?P<path>.+)$",
        testing.receive_report,
        name="browser-test-receive-report",
    ),
    *common_patterns(),
]

handler400, handler403, handler404, handler500 = error_handlers()
