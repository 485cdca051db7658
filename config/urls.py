from django.contrib import admin
from django.urls import include, path

from apps.core import views as core_views
from apps.dashboard.views import bigcommerce as bigcommerce_entry
from apps.webhooks.email_events import email_events
from apps.webhooks.inbound_email import inbound_email
from apps.webhooks.inbound_sms import inbound_sms, sms_status

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("ping", core_views.ping, name="ping"),
    path("admin/", admin.site.urls),
    path("shopify/", include("apps.shopify_app.urls")),
    # BigCommerce's browser callbacks open dashboard sessions (apps/dashboard/views).
    path("bigcommerce/auth", bigcommerce_entry.auth, name="bigcommerce-auth"),
    path("bigcommerce/load", bigcommerce_entry.load, name="bigcommerce-load"),
    path("bigcommerce/remove_user", bigcommerce_entry.remove_user, name="bigcommerce-remove-user"),
    path("bigcommerce/", include("apps.bigcommerce_app.urls")),
    path("woocommerce/", include("apps.woocommerce_app.urls")),
    path("webhooks/", include("apps.webhooks.urls")),
    path("inbound/sms/<str:token>", inbound_sms, name="inbound-sms"),
    path("inbound/email/<str:token>", inbound_email, name="inbound-email"),
    path("inbound/email/<str:token>/events", email_events, name="inbound-email-events"),
    path("inbound/sms/<str:token>/status", sms_status, name="inbound-sms-status"),
    path("app/", include("apps.dashboard.urls")),
    path("", include("apps.chat.urls")),
]
