"""The ad tech's JSON API (Django REST framework): reports, campaigns and the validator."""

from __future__ import annotations

from rest_framework import generics, serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from . import selectors
from .models import CAMPAIGN_SETTINGS, Campaign, ReceivedReport
from .validation import ValidationRequestError, check


class ReportSerializer(serializers.ModelSerializer):
    type = serializers.CharField(source="kind")
    campaign = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    creative = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    sent_by = serializers.SerializerMethodField(help_text="which browser sent it, from its User-Agent")

    class Meta:
        model = ReceivedReport
        fields = [
            "id",
            "type",
            "received_at",
            "reporting_origin",
            "path",
            "status",
            "error",
            "report_id",
            "duplicate_of",
            "campaign",
            "creative",
            "event",
            "decoded",
            "batch_job_id",
            "body",
            "browser",
            "user_agent",
            "sent_by",
        ]

    def get_sent_by(self, report: ReceivedReport) -> dict[str, str]:
        return selectors.sender_as_json(report.user_agent)


class ReportList(generics.ListAPIView):
    """Received reports, newest first; ``?type=event-level|aggregatable|...``, ``?browser=chrome|simulated|other``."""

    serializer_class = ReportSerializer

    def get_queryset(self):
        try:
            params = self.request.query_params
            return selectors.reports(params.get("type") or None, params.get("browser") or None)[:500]
        except ValueError as exc:
            field = "browser" if str(exc).startswith("unknown browser") else "type"
            raise ValidationError({field: str(exc)}) from None


class CampaignSerializer(serializers.ModelSerializer):
    creatives = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)

    class Meta:
        model = Campaign
        fields = ["slug", "name", "code", *CAMPAIGN_SETTINGS, "creatives"]


class CampaignList(generics.ListAPIView):
    serializer_class = CampaignSerializer
    queryset = selectors.campaigns()


class ValidateView(APIView):
    """``{valid, errors, warnings, value, privacy}`` for one header value (GET or POST)."""

    def get(self, request: Request) -> Response:
        return self._run(request.query_params)

    def post(self, request: Request) -> Response:
        data = request.data if hasattr(request.data, "get") else {}
        return self._run(data)

    def _run(self, data) -> Response:
        value = data.get("value")
        if not isinstance(value, str):
            return Response({"error": "give the header value as a string in 'value'"}, status=400)
        try:
            result = check(
                str(data.get("header") or "source"), value, str(data.get("source_type") or "navigation")
            )
        except ValidationRequestError as exc:
            return Response({"error": str(exc)}, status=400)
        return Response(result)
