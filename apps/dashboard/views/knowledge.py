"""The knowledge base: imported policies (read-only) and the merchant's FAQ entries."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpResponse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import reswap, retarget

from apps.agent.knowledge import MIN_SCORE, explain, grounded_answer, knowledge_search
from apps.dashboard.auth import dashboard_view
from apps.dashboard.forms.knowledge import FaqForm, PreviewForm
from apps.dashboard.rendering import render_page
from apps.dashboard.services.knowledge import faq_create, faq_delete, faq_update
from apps.dashboard.views.common import FORM_ERRORS, actor, partial
from apps.shopify_app.embedded import EmbeddedRequest
from apps.stores.models import KnowledgeEntry, KnowledgeKind, Store

PREVIEW_RESULTS = 3


def _entries(store: Store, kind: str) -> list[KnowledgeEntry]:
    return list(KnowledgeEntry.objects.filter(store=store, kind=kind).order_by("title", "id"))


def _faq_context(store: Store, **extra: Any) -> dict[str, Any]:
    return {"faqs": _entries(store, KnowledgeKind.FAQ), "form": FaqForm(), **extra}


@dashboard_view
@require_GET
def knowledge_page(request: EmbeddedRequest) -> HttpResponse:
    context = {
        "policies": _entries(request.store, KnowledgeKind.POLICY),
        "preview_form": PreviewForm(),
        **_faq_context(request.store),
    }
    return render_page(request, "dashboard/knowledge.html", context, nav="settings")


@dashboard_view
@require_POST
def faq_add(request: EmbeddedRequest) -> HttpResponse:
    form = FaqForm(request.POST)
    if not form.is_valid():
        context = _faq_context(request.store, form=form)
        return partial(request, "dashboard/partials/faq_section.html", context, status=FORM_ERRORS)
    faq_create(store=request.store, actor=actor(request), **form.cleaned_data)
    return partial(
        request,
        "dashboard/partials/faq_section.html",
        _faq_context(request.store),
        toast="FAQ entry added",
    )


@dashboard_view
@require_http_methods(["GET", "POST"])
def faq_edit(request: EmbeddedRequest, entry_id: int) -> HttpResponse:
    entry = _faq_or_404(request.store, entry_id)
    if request.method == "GET":
        form = FaqForm(initial={"title": entry.title, "body": entry.body})
        return partial(request, "dashboard/partials/faq_edit.html", {"entry": entry, "form": form})
    form = FaqForm(request.POST)
    if not form.is_valid():
        context = {"entry": entry, "form": form}
        return partial(request, "dashboard/partials/faq_edit.html", context, status=FORM_ERRORS)
    try:
        faq_update(
            store=request.store, actor=actor(request), entry_id=entry.pk, **form.cleaned_data
        )
    except KnowledgeEntry.DoesNotExist:
        raise Http404("no such FAQ entry") from None
    response = partial(
        request,
        "dashboard/partials/faq_section.html",
        _faq_context(request.store),
        toast="FAQ entry saved",
    )
    # The edit form targets its own row; the saved list replaces the whole section.
    return reswap(retarget(response, "#faq-section"), "outerHTML")


@dashboard_view
@require_POST
def faq_remove(request: EmbeddedRequest, entry_id: int) -> HttpResponse:
    try:
        faq_delete(store=request.store, actor=actor(request), entry_id=entry_id)
    except KnowledgeEntry.DoesNotExist:
        raise Http404("no such FAQ entry") from None
    return partial(
        request,
        "dashboard/partials/faq_section.html",
        _faq_context(request.store),
        toast="FAQ entry deleted",
    )


@dashboard_view
@require_GET
def faq_row(request: EmbeddedRequest, entry_id: int) -> HttpResponse:
    """One FAQ entry as listed (the edit form's Cancel)."""
    entry = _faq_or_404(request.store, entry_id)
    return partial(request, "dashboard/partials/faq_row.html", {"entry": entry})


@dashboard_view
@require_GET
def knowledge_preview(request: EmbeddedRequest) -> HttpResponse:
    """Which entries would answer a customer's question, best first."""
    form = PreviewForm(request.GET)
    if not form.is_valid():
        return partial(
            request, "dashboard/partials/preview.html", {"form": form}, status=FORM_ERRORS
        )
    question = form.cleaned_data["q"]
    # What the agent would quote (the passage), then the entries that came close.
    match = grounded_answer(request.store, question)
    answering = match.passage.entry if match else None
    ranked = knowledge_search(request.store, question)[:PREVIEW_RESULTS]
    if answering is not None and answering not in [entry for entry, _ in ranked]:
        ranked = [(answering, match.score if match else 0.0), *ranked[: PREVIEW_RESULTS - 1]]
    results = [
        {"entry": entry, "score": score, "verdict": _verdict(entry, score, answering)}
        for entry, score in sorted(ranked, key=lambda r: r[0] != answering)
    ]
    context = {
        "form": form,
        "question": question,
        "results": results,
        "match": match,
        "reasons": explain(match) if match else [],
        "missing": [n.name for n in match.missing] if match else [],
    }
    return partial(request, "dashboard/partials/preview.html", context)


def _verdict(entry: KnowledgeEntry, score: float, answering: KnowledgeEntry | None) -> str:
    if entry == answering:
        return "answers"
    return "also" if score >= MIN_SCORE and answering is not None else "weak"


def _faq_or_404(store: Store, entry_id: int) -> KnowledgeEntry:
    entry = KnowledgeEntry.objects.filter(pk=entry_id, store=store, kind=KnowledgeKind.FAQ).first()
    if entry is None:
        raise Http404("no such FAQ entry")
    return entry
