"""The knowledge base: read-only imported policies, FAQ entries with audit, answer preview."""

from __future__ import annotations

import re

import pytest

from apps.stores.models import KnowledgeEntry, KnowledgeKind, SettingsAuditEntry
from apps.stores.services import store_settings

pytestmark = pytest.mark.django_db

HOSTILE = '<script>document.title="owned"</script><img src=x onerror="alert(1)">'


def _faq(store, title="Do you gift wrap?", body="Yes, for $5 at checkout."):
    return KnowledgeEntry.objects.create(
        store=store, kind=KnowledgeKind.FAQ, title=title, body=body
    )


def _rows(store):
    return list(
        KnowledgeEntry.objects.filter(store=store)
        .values_list("kind", "title", "body")
        .order_by("id")
    )


def test_the_page_lists_policies_read_only_and_faq_entries(merchant, shop):
    KnowledgeEntry.objects.create(
        store=shop,
        kind=KnowledgeKind.POLICY,
        policy_type="refund",
        title="Refund policy",
        body="Returns within 30 days.",
    )
    faq = _faq(shop)

    html = merchant.get("/app/settings/knowledge/").content.decode()

    assert "Refund policy" in html
    assert "Read-only" in html
    assert f"/app/settings/knowledge/faq/{faq.pk}/edit/" in html
    assert "Do you gift wrap?" in html


def test_adding_an_faq_entry_saves_audits_and_bumps_the_version(merchant, shop):
    version = store_settings(shop).version

    response = merchant.post(
        "/app/settings/knowledge/faq/", {"title": "Warranty?", "body": "One year on jackets."}
    )

    assert response.status_code == 200
    assert "Warranty?" in response.content.decode()
    entry = KnowledgeEntry.objects.get(store=shop)
    assert (entry.kind, entry.title, entry.body) == ("faq", "Warranty?", "One year on jackets.")
    assert store_settings(shop).version == version + 1
    audit = SettingsAuditEntry.objects.get(store=shop)
    assert audit.section == "knowledge"
    assert audit.changes == {
        "title": {"old": None, "new": "Warranty?"},
        "body": {"old": None, "new": "One year on jackets."},
    }


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"title": "Warranty?", "body": ""}, "This field is required"),
        ({"title": "Warranty?", "body": "   \n  "}, "This field is required"),
        ({"title": "", "body": "An answer"}, "This field is required"),
        ({"title": "x" * 201, "body": "An answer"}, "at most 200 characters"),
        ({"title": "Warranty?", "body": "x" * 4001}, "at most 4000 characters"),
        ({"title": "Two\nlines", "body": "An answer"}, "one line"),
        ({"title": "Bell\x07", "body": "An answer"}, "control characters"),
        ({}, "This field is required"),
    ],
)
def test_an_invalid_faq_entry_is_a_form_error_and_saves_nothing(merchant, shop, data, error):
    version = store_settings(shop).version

    response = merchant.post("/app/settings/knowledge/faq/", data)

    assert response.status_code == 422
    assert error in response.content.decode()
    assert not KnowledgeEntry.objects.exists()
    assert store_settings(shop).version == version
    assert not SettingsAuditEntry.objects.exists()


def test_script_in_an_faq_answer_is_stored_and_shown_as_text(merchant, shop):
    merchant.post("/app/settings/knowledge/faq/", {"title": HOSTILE[:150], "body": HOSTILE})

    html = merchant.get("/app/settings/knowledge/").content.decode()

    assert KnowledgeEntry.objects.get(store=shop).body == HOSTILE
    assert "<script>document.title" not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;document.title=&quot;owned&quot;&lt;/script&gt;" in html


def test_editing_an_faq_entry(merchant, shop):
    faq = _faq(shop)

    form = merchant.get(f"/app/settings/knowledge/faq/{faq.pk}/edit/")
    response = merchant.post(
        f"/app/settings/knowledge/faq/{faq.pk}/edit/",
        {"title": "Do you gift wrap?", "body": "Yes: $6 at checkout."},
    )

    assert 'value="Do you gift wrap?"' in form.content.decode()
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#faq-section"
    faq.refresh_from_db()
    assert faq.body == "Yes: $6 at checkout."
    assert SettingsAuditEntry.objects.get(store=shop).changes == {
        "body": {"old": "Yes, for $5 at checkout.", "new": "Yes: $6 at checkout."}
    }


def test_an_invalid_edit_changes_nothing(merchant, shop):
    faq = _faq(shop)

    response = merchant.post(
        f"/app/settings/knowledge/faq/{faq.pk}/edit/", {"title": "Do you gift wrap?", "body": ""}
    )

    assert response.status_code == 422
    assert "HX-Retarget" not in response
    faq.refresh_from_db()
    assert faq.body == "Yes, for $5 at checkout."
    assert not SettingsAuditEntry.objects.exists()


def test_deleting_an_faq_entry(merchant, shop):
    faq = _faq(shop)

    response = merchant.post(f"/app/settings/knowledge/faq/{faq.pk}/delete/")

    assert response.status_code == 200
    assert not KnowledgeEntry.objects.filter(pk=faq.pk).exists()
    assert SettingsAuditEntry.objects.get(store=shop).summary.endswith("deleted")


def test_imported_policies_cannot_be_edited_or_deleted_here(merchant, shop):
    policy = KnowledgeEntry.objects.create(
        store=shop, kind=KnowledgeKind.POLICY, title="Refund policy", body="30 days."
    )
    before = _rows(shop)

    assert merchant.get(f"/app/settings/knowledge/faq/{policy.pk}/edit/").status_code == 404
    edit = merchant.post(
        f"/app/settings/knowledge/faq/{policy.pk}/edit/", {"title": "Hacked", "body": "0 days"}
    )
    delete = merchant.post(f"/app/settings/knowledge/faq/{policy.pk}/delete/")

    assert (edit.status_code, delete.status_code) == (404, 404)
    assert _rows(shop) == before


def test_another_stores_faq_entry_is_404_and_untouched(rival, shop):
    faq = _faq(shop)
    before = _rows(shop)

    responses = [
        rival.get(f"/app/settings/knowledge/faq/{faq.pk}/"),
        rival.get(f"/app/settings/knowledge/faq/{faq.pk}/edit/"),
        rival.post(f"/app/settings/knowledge/faq/{faq.pk}/edit/", {"title": "x", "body": "y"}),
        rival.post(f"/app/settings/knowledge/faq/{faq.pk}/delete/"),
    ]

    assert [r.status_code for r in responses] == [404, 404, 404, 404]
    assert _rows(shop) == before
    assert not SettingsAuditEntry.objects.exists()


def test_the_preview_shows_which_entry_answers_a_question(merchant, shop, other_shop):
    wrap = _faq(shop)
    _faq(shop, title="Discount codes", body="One code per order, entered at checkout.")
    _faq(other_shop, title="Gift wrapping at the rival", body="Free gift wrapping.")

    response = merchant.get("/app/settings/knowledge/preview/", {"q": "can you wrap it as a gift?"})

    html = response.content.decode()
    assert response.status_code == 200
    verdicts = re.findall(r'data-entry="(\d+)" data-verdict="(\w+)"', html)
    assert verdicts == [(str(wrap.pk), "answers")]
    assert "Would answer" in html
    assert "rival" not in html


def test_the_preview_says_when_nothing_answers(merchant, shop):
    _faq(shop)

    html = merchant.get(
        "/app/settings/knowledge/preview/", {"q": "quantum physics"}
    ).content.decode()

    assert "No entry answers" in html


@pytest.mark.parametrize("question", ["", "x" * 501])
def test_an_invalid_preview_question_is_a_form_error(merchant, question):
    response = merchant.get("/app/settings/knowledge/preview/", {"q": question})

    assert response.status_code == 422


def _policy(store, body, title="Shipping policy", url="https://shop.example/policies/shipping"):
    return KnowledgeEntry.objects.create(
        store=store,
        kind=KnowledgeKind.POLICY,
        policy_type="shipping",
        title=title,
        body=body,
        source_url=url,
    )


SHIPPING = (
    "Free standard shipping on US orders over $50; standard 3-5 business days; we ship to "
    "the US, Canada, the UK and the EU."
)


def test_the_preview_shows_the_passage_the_agent_would_quote_and_why(merchant, shop):
    policy = _policy(shop, SHIPPING)

    html = merchant.get("/app/settings/knowledge/preview/", {"q": "do you ship to Germany?"})
    html = html.content.decode()

    assert re.findall(r'data-passage="(\d+)-(\d+)"', html) == [(str(policy.pk), "2")]
    quoted = re.findall(r'<blockquote class="passage"[^>]*>([^<]*)</blockquote>', html)
    assert quoted == ["we ship to the US, Canada, the UK and the EU."]
    assert "Why this passage: it shares the words “ship”; it names the places." in html
    assert "data-missing" not in html
    assert "https://shop.example/policies/shipping" in html


def test_the_preview_says_what_the_passage_does_not_cover(merchant, shop):
    _policy(shop, SHIPPING)

    html = merchant.get("/app/settings/knowledge/preview/", {"q": "can I order from Melbourne?"})
    html = html.content.decode()

    assert "It does not mention Melbourne: the agent says so plainly and offers a person." in html


def test_the_preview_shows_no_passage_when_the_agent_would_not_answer(merchant, shop, other_shop):
    _policy(other_shop, "We accept PayPal, Visa and Klarna.", title="Payments")
    _policy(shop, SHIPPING)

    html = merchant.get(
        "/app/settings/knowledge/preview/", {"q": "which payment methods do you accept?"}
    ).content.decode()

    assert "The agent would say it does not know" in html
    assert "data-passage" not in html
    assert "PayPal" not in html
    assert 'data-verdict="answers"' not in html
