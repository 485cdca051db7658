"""The analytics page (/app/analytics/) and its CSV export (/app/analytics/export.csv)."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from typing import Any

from django import forms
from django.http import HttpResponse
from django.utils import timezone
from django.utils.safestring import SafeString
from django.views.decorators.http import require_safe

from apps.billing.selectors import store_has_active_plan
from apps.dashboard import charts
from apps.dashboard.analytics import (
    MAX_RANGE_DAYS,
    WEEKLY_AFTER_DAYS,
    Analytics,
    DateRange,
    DayRow,
    default_range,
    store_analytics,
)
from apps.dashboard.analytics.rollups import local_today
from apps.dashboard.auth import dashboard_view
from apps.dashboard.rendering import page_url, render_page
from apps.dashboard.views.common import FORM_ERRORS
from apps.shopify_app.embedded import EmbeddedRequest

AI_COLOUR, ESCALATED_COLOUR, OTHER_COLOUR = "#29845a", "#e5a000", "#b5b5b5"
# Spreadsheet apps run a cell starting with these as a formula (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class RangeForm(forms.Form):
    start = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, today: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        default = default_range(today)
        self.fields["start"].widget.attrs["max"] = today.isoformat()
        self.fields["end"].widget.attrs["max"] = today.isoformat()
        self.initial = {"start": default.start, "end": default.end}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        end = data.get("end") or self.today
        start = data.get("start") or end - timedelta(days=29)
        if end > self.today:
            self.add_error("end", "The end date cannot be in the future.")
        elif start > end:
            self.add_error("start", "The start date must be on or before the end date.")
        elif (end - start).days + 1 > MAX_RANGE_DAYS:
            self.add_error("start", f"Choose at most {MAX_RANGE_DAYS} days.")
        data["range"] = DateRange(start, end)
        return data


def _range(request: EmbeddedRequest) -> tuple[RangeForm, DateRange | None]:
    # The merchant's calendar: "today" and every day are in the store's time zone.
    today = local_today(request.store, timezone.now())
    form = RangeForm(request.GET, today=today)
    if not form.is_valid():
        return form, None
    span: DateRange = form.cleaned_data["range"]
    if not (request.GET.get("start") and request.GET.get("end")):
        # Show the defaults that were applied in the date fields.
        shown = {"start": span.start.isoformat(), "end": span.end.isoformat()}
        form = RangeForm(shown, today=today)
        form.is_valid()
    return form, span


@dashboard_view
@require_safe
def analytics_page(request: EmbeddedRequest) -> HttpResponse:
    """GET ?start=&end=: the numbers for a date range (default: the last 30 days)."""
    form, span = _range(request)
    context: dict[str, Any] = {"form": form, "has_plan": store_has_active_plan(request.store)}
    if span is None:
        return render_page(
            request, "dashboard/analytics.html", context, nav="analytics", status=FORM_ERRORS
        )
    weekly = len(span.days) > WEEKLY_AFTER_DAYS
    data = store_analytics(request.store, span, now=timezone.now(), weekly=weekly)
    context.update(
        data=data,
        conversations_chart=conversations_chart(data),
        actions_chart=actions_chart(data),
        export_url=page_url(
            request,
            "analytics-export",
            params={"start": span.start.isoformat(), "end": span.end.isoformat()},
        ),
    )
    return render_page(request, "dashboard/analytics.html", context, nav="analytics")


@dashboard_view
@require_safe
def analytics_export(request: EmbeddedRequest) -> HttpResponse:
    """GET ?start=&end=: the figures of every day as CSV, however long the range (it is a
    download, read by a spreadsheet); 400 with the reason for a bad range."""
    form, span = _range(request)
    if span is None:
        errors = "; ".join(str(e) for field in form.errors.values() for e in field)
        return HttpResponse(errors, status=400, content_type="text/plain; charset=utf-8")
    data = store_analytics(request.store, span, now=timezone.now())
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = f"aftersale-analytics-{span.start.isoformat()}-{span.end.isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    write_csv(response, data)
    return response


# ---------------------------------------------------------------- CSV


def safe_cell(value: object) -> str:
    """A cell a spreadsheet shows as text: formula-looking values get a leading quote."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(_FORMULA_START) else text


def csv_rows(data: Analytics) -> list[list[str]]:
    currencies = data.currencies
    header = [
        "date",
        "conversations",
        "resolved_by_ai",
        "escalated",
        "automation_rate",
        "median_first_reply_seconds",
        "actions_executed",
        "refunds",
        *[f"refunded_{currency}" for currency in currencies],
    ]
    rows = [header]
    for day in data.days:
        rows.append(
            [
                day.day.isoformat(),
                str(day.conversations),
                str(day.ai_resolved),
                str(day.escalated),
                "" if day.automation_rate is None else f"{day.automation_rate:.4f}",
                _seconds(day),
                str(day.actions_executed),
                str(day.refunds_count),
                *[str(day.refunds.get(currency, "0.00")) for currency in currencies],
            ]
        )
    return [[safe_cell(cell) for cell in row] for row in rows]


def _seconds(day: DayRow) -> str:
    reply = day.median_first_reply
    return "" if reply is None else f"{reply.total_seconds():.1f}"


def write_csv(response: HttpResponse, data: Analytics) -> None:
    writer = csv.writer(response, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerows(csv_rows(data))


# ---------------------------------------------------------------- charts


def _day_label(day: date, count: int, index: int) -> str:
    every = max(1, -(-count // 10))  # about ten labels, whatever the range
    return day.strftime("%-d %b") if index % every == 0 else ""


def _periods(data: Analytics) -> list[tuple[str, list[DayRow]]]:
    """(tooltip title, rows) per bar: each day, or each week of a long range (whose rows
    are weeks already)."""
    if not data.weekly:
        return [(day.day.strftime("%a %-d %b %Y"), [day]) for day in data.days]
    return [
        (f"Week of {row.day - timedelta(days=row.day.weekday()):%a %-d %b %Y}", [row])
        for row in data.days
    ]


def conversations_chart(data: Analytics) -> SafeString:
    periods = _periods(data)
    columns = []
    for index, (title, days) in enumerate(periods):
        ai = sum(d.ai_resolved for d in days)
        escalated = sum(d.escalated for d in days)
        total = sum(d.conversations for d in days)
        columns.append(
            charts.Column(
                label=_day_label(days[0].day, len(periods), index),
                title=title,
                values=(ai, escalated, max(0, total - ai - escalated)),
            )
        )
    series = [
        charts.Series("Resolved by AI", AI_COLOUR),
        charts.Series("Escalated", ESCALATED_COLOUR),
        charts.Series("Other", OTHER_COLOUR),
    ]
    totals = data.totals
    per = "week" if data.weekly else "day"
    desc = (
        f"{totals.conversations} conversations from {data.range.start:%-d %b %Y} to "
        f"{data.range.end:%-d %b %Y}: {totals.ai_resolved} resolved by AI, "
        f"{totals.escalated} escalated. The table below lists every {per}."
    )
    return charts.stacked_bars(columns, series, title=f"Conversations per {per}", desc=desc)


def actions_chart(data: Analytics) -> SafeString:
    items = [(a.label, a.count) for a in data.actions]
    desc = "; ".join(f"{a.label}: {a.count}" for a in data.actions) or "No actions."
    return charts.horizontal_bars(items, title="Actions carried out, by kind", desc=desc)
