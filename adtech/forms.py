"""Forms of the settings pages: a campaign's source settings, conversions and the key scheme."""

from __future__ import annotations

from django import forms

from .headers import parse_days
from .keyscheme import DIMENSION_HELP, SOURCE_SIDE, TRIGGER_SIDE, KeyScheme
from .models import CAMPAIGN_SETTINGS, AggregationSettings, Campaign, ConversionEvent


def _debug_key(text: str) -> str:
    """A debug key as typed (a uint64's digits, or empty for none)."""
    key = text.strip()
    if key and not key.isdigit():
        raise forms.ValidationError("a debug key is a uint64: digits only")
    return key


class CampaignForm(forms.ModelForm):
    class Meta:
        model = Campaign
        fields = ["name", *CAMPAIGN_SETTINGS]

    def clean_click_report_windows_days(self) -> str:
        text = self.cleaned_data["click_report_windows_days"]
        try:
            return ",".join(str(d) for d in parse_days(text))
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None

    def clean_debug_key(self) -> str:
        return _debug_key(self.cleaned_data["debug_key"])


class ConversionEventForm(forms.ModelForm):
    class Meta:
        model = ConversionEvent
        fields = [
            "enabled",
            "trigger_data_click",
            "trigger_data_view",
            "priority",
            "deduplicate_by_order",
            "filter_by_category",
            "aggregatable",
        ]


ConversionEventFormSet = forms.modelformset_factory(ConversionEvent, form=ConversionEventForm, extra=0)


class AggregationSettingsForm(forms.ModelForm):
    source_dimensions = forms.MultipleChoiceField(
        choices=[(d, f"{d}: {DIMENSION_HELP[d]}") for d in SOURCE_SIDE],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    trigger_dimensions = forms.MultipleChoiceField(
        choices=[(d, f"{d}: {DIMENSION_HELP[d]}") for d in TRIGGER_SIDE],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = AggregationSettings
        fields = [
            "source_dimensions",
            "trigger_dimensions",
            "count_budget_share",
            "expected_conversions",
            "max_purchase_minor",
            "trigger_debug_reporting",
            "trigger_debug_key",
        ]

    def clean_count_budget_share(self) -> float:
        share = self.cleaned_data["count_budget_share"]
        if not 0 < share < 1:
            raise forms.ValidationError("the count key's share must be between 0 and 1")
        return share

    def clean_expected_conversions(self) -> int:
        n = self.cleaned_data["expected_conversions"]
        if n < 1:
            raise forms.ValidationError("plan for at least one conversion per source")
        return n

    def clean_trigger_debug_key(self) -> str:
        return _debug_key(self.cleaned_data["trigger_debug_key"])

    def clean(self) -> dict:
        data = super().clean()
        scheme = KeyScheme(
            tuple(data.get("source_dimensions") or ()), tuple(data.get("trigger_dimensions") or ())
        )
        for problem in scheme.problems():
            self.add_error(None, problem)
        return data


class ValidatorForm(forms.Form):
    header = forms.ChoiceField(
        choices=[
            ("source", "Register-Source"),
            ("trigger", "Register-Trigger"),
            ("eligible", "Eligible"),
            ("info", "Info"),
            ("support", "Support"),
            ("os-source", "Register-OS-Source"),
            ("os-trigger", "Register-OS-Trigger"),
        ],
        initial="source",
    )
    source_type = forms.ChoiceField(
        choices=[("navigation", "navigation (click)"), ("event", "event (view)")], required=False
    )
    value = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 14, "spellcheck": "false"}), max_length=65536
    )

    def clean_source_type(self) -> str:
        return self.cleaned_data.get("source_type") or "navigation"
