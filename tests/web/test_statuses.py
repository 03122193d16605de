"""Every status vocabulary carries its category, and the JSON the pages read says it."""

from __future__ import annotations

import pytest

from adtech.statuses import RegistrationStatus, ReportStatus, ReturnCode
from aggregation.statuses import JobStatus
from browser.statuses import NavigationState, SourceStatus, hop_category
from browser.statuses import ReportStatus as BrowserReportStatus
from config.statuses import Category

VOCABULARIES = [
    ReportStatus,
    RegistrationStatus,
    ReturnCode,
    JobStatus,
    BrowserReportStatus,
    SourceStatus,
    NavigationState,
]


@pytest.mark.parametrize("vocabulary", VOCABULARIES, ids=lambda v: f"{v.__module__}.{v.__name__}")
def test_every_status_has_a_category_and_is_its_string(vocabulary):
    for member in vocabulary:
        assert isinstance(member.category, Category)
        assert member == member.value and str(member) == member.value
    assert vocabulary.choices() == [(m.value, m.value) for m in vocabulary]


def test_the_categories_the_pages_used_to_disagree_on():
    assert ReportStatus.DUPLICATE.category is Category.WARNING
    assert (
        hop_category("trigger", "event-level: deduplicated; aggregatable: deduplicated") is Category.WARNING
    )
    assert hop_category("trigger", "event-level: success; aggregatable: notRegistered") is Category.OK
    assert hop_category("trigger", "event-level: noMatchingSources; aggregatable: noMatchingSources") is (
        Category.WARNING
    )
    assert hop_category("source", "successNoised") is Category.OK
    assert hop_category("source", "excessiveReportingOrigins") is Category.WARNING
    assert hop_category("source", "parseError") is Category.ERROR
    assert hop_category("error", "requestFailed") is Category.ERROR
    assert hop_category("none", "") is Category.WARNING


def test_unknown_values_fall_back_to_the_vocabularys_default():
    assert ReportStatus.category_of("something new") is Category.WARNING
    assert ReturnCode.category_of("PRIVACY_BUDGET_EXHAUSTED") is Category.ERROR
    assert ReturnCode.category_of("SUCCESS_WITH_ERRORS") is Category.WARNING
    assert Category.WARNING.badge_class == "warn"


@pytest.mark.django_db
def test_the_dashboard_json_carries_each_status_category(client):
    client.get("/register/source?campaign=tents-spring&type=view", HTTP_HOST="adtech.localhost:8000")
    data = client.get("/api/dashboard", HTTP_HOST="adtech.localhost:8000").json()
    assert data["registrations"], "a registration request was answered"
    for row in data["registrations"]:
        assert row["category"] == RegistrationStatus.category_of(row["status"])
