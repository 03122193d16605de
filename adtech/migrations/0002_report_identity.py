"""Report identity at receipt: (kind, report_id) is counted once, later copies are marked.

Rows stored before this had no report_id until processed. The data step reads it for the
pending ones (marking failed those whose report_id no store could hold) and turns every
identity counted more than once into one canonical row and marked copies, so that the
constraint can be added. Self-contained: it must keep working whatever the app code becomes.
"""

import json

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import Count

AGGREGATABLE = ("aggregatable", "aggregatable-debug-copy", "aggregate-debug")


def _report_id(kind, text):
    """The report_id of a stored body, or raises ValueError with the reason."""
    if kind == "verbose-debug":
        return ""
    body = json.loads(text)
    if kind in AGGREGATABLE:
        body = json.loads(body["shared_info"]) if isinstance(body.get("shared_info"), str) else {}
    report_id = body.get("report_id") if isinstance(body, dict) else None
    if not isinstance(report_id, str) or not report_id or len(report_id) > 64 or not report_id.isprintable():
        raise ValueError("report_id is not a string of 1 to 64 printable characters")
    report_id.encode("utf-8")
    return report_id


def identify_and_deduplicate(apps, schema_editor):
    Report = apps.get_model("adtech", "ReceivedReport")
    for row in Report.objects.filter(status="pending", report_id="").only("pk", "kind", "body"):
        try:
            Report.objects.filter(pk=row.pk).update(report_id=_report_id(row.kind, row.body))
        except (ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
            reason = str(exc).encode("ascii", "backslashreplace").decode()
            Report.objects.filter(pk=row.pk).update(status="failed", error=f"stored before checks: {reason}")
    counted = Report.objects.filter(duplicate_of__isnull=True).exclude(report_id="")
    counted = counted.exclude(status__in=["invalid", "failed"])
    groups = counted.values("kind", "report_id").annotate(n=Count("id")).filter(n__gt=1)
    for group in groups:
        rows = list(counted.filter(kind=group["kind"], report_id=group["report_id"]).order_by("pk"))
        canonical = next((r for r in rows if r.status == "processed"), rows[0])
        others = [r.pk for r in rows if r.pk != canonical.pk]
        Report.objects.filter(pk__in=others).update(status="duplicate", duplicate_of_id=canonical.pk)



class Migration(migrations.Migration):
    dependencies = [
        ("adtech", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="receivedreport",
            name="duplicate_of",
            field=models.ForeignKey(
                blank=True,
                help_text="the canonical row this one is a later copy of",
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="copies",
                to="adtech.receivedreport",
            ),
        ),
        migrations.AlterField(
            model_name="receivedreport",
            name="report_id",
            field=models.CharField(blank=True, db_index=True, help_text="read when received", max_length=64),
        ),
        migrations.AlterField(
            model_name="receivedreport",
            name="status",
            field=models.CharField(
                choices=[
                    ("pending", "pending"),
                    ("processed", "processed"),
                    ("duplicate", "duplicate"),
                    ("invalid", "invalid"),
                    ("failed", "failed"),
                ],
                db_index=True,
                default="pending",
                max_length=20,
            ),
        ),
        migrations.RunPython(identify_and_deduplicate, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="receivedreport",
            constraint=models.UniqueConstraint(
                condition=models.Q(
                    ("duplicate_of__isnull", True),
                    models.Q(("report_id", ""), _negated=True),
                    models.Q(("status__in", ["invalid", "failed"]), _negated=True),
                ),
                fields=("kind", "report_id"),
                name="adtech_report_counted_once",
            ),
        ),
    ]
