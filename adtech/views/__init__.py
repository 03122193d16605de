"""The ad tech's HTTP surface, one module per concern.

- ``registration``: ``/register/source`` and ``/register/trigger``
- ``ads``: the ad server (``/ads/serve``)
- ``reports``: the ``.well-known`` report receivers
- ``pages``: the dashboard, campaigns and conversion settings
- ``validator``: the header validator

Views parse the request and call one service or selector; the decisions live in
``registrations.py``, ``services.py``, ``selectors.py`` and ``processing.py``.
"""

from .. import selectors
from .ads import ads_serve
from .pages import campaign_edit, campaign_list, clear_data, conversions, dashboard_json, home
from .registration import register_source, register_trigger
from .reports import receive_report
from .validator import validator

__all__ = [
    "ads_serve",
    "campaign_edit",
    "campaign_list",
    "clear_data",
    "conversions",
    "dashboard_json",
    "home",
    "receive_report",
    "register_source",
    "register_trigger",
    "selectors",
    "validator",
]
