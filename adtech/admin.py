from django.contrib import admin

from .models import AggregationSettings, Campaign, ConversionEvent, Creative, ReceivedReport, Registration


class CreativeInline(admin.TabularInline):
    model = Creative
    extra = 0


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ("slug", "name", "code", "product_category", "priority", "expiry_days", "active")
    inlines = [CreativeInline]


@admin.register(ConversionEvent)
class ConversionEventAdmin(admin.ModelAdmin):
    list_display = ("event", "trigger_data_click", "trigger_data_view", "priority", "enabled")


admin.site.register(AggregationSettings)


@admin.register(Registration)
class RegistrationAdmin(admin.ModelAdmin):
    list_display = ("received_at", "kind", "status", "reporting_origin", "campaign", "event")
    list_filter = ("kind", "status")


@admin.register(ReceivedReport)
class ReceivedReportAdmin(admin.ModelAdmin):
    list_display = ("received_at", "kind", "status", "report_id", "campaign", "event", "batch_job_id")
    list_filter = ("kind", "status")
    search_fields = ("report_id",)
