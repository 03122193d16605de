"""Badge classes for statuses in the ad tech's server-rendered pages, from the same vocabularies."""

from __future__ import annotations

from django import template

from adtech.statuses import ReturnCode

register = template.Library()


@register.filter
def return_code_badge(code: str) -> str:
    """``SUCCESS`` -> ``ok``, ``SUCCESS_WITH_ERRORS`` -> ``warn``, any other code -> ``err``."""
    return ReturnCode.category_of(code).badge_class
