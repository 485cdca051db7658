from django.contrib import admin
from django.urls import include, path

from apps.core import views as core_views
from apps.webhooks.email_events import email_events
from apps.webhooks.inbound_email import inbound_email
from apps.webhooks.inbound_sms import inbound_sms, sms_status

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("ping", core_views.ping, name="ping"),
    path("admin/", admin.site.urls),
    path("shopify/", include("apps.shopify_app.urls")),
    path("webhooks/", include("apps.webhooks.urls")),
    path("inbound/sms/<str:token>", inbound_sms, name="inbound-sms"),
    path("inbound/email/<str:token>", inbound_email, name="inbound-email"),
    path("inbound/email/<str:token>/events", email_events, name="inbound-email-events"),
    path("inbound/sms/<str:token>/status", sms_status, name="inbound-sms-status"),
    path("app/", include("apps.dashboard.urls")),
    path("", include("apps.conversations.urls")),
]
