"""SendGrid Inbound Parse in the encodings it really posts: each field in the charset its
`charsets` field names (not only UTF-8), unknown charsets read with replacement characters rather
than failing, and the "raw, full MIME message" option (`email` holds the whole message)."""

from __future__ import annotations

import json
from email.message import EmailMessage

import pytest
from django.test import Client

from apps.conversations.models import Conversation, EmailThread, Message
from apps.stores.models import Store
from tests.webhooks.helpers import WorkerClient
from tests.webhooks.test_inbound_email import CUSTOMER, DOMAIN, _connect

pytestmark = pytest.mark.django_db

BOUNDARY = "xYzZY"


@pytest.fixture
def client() -> Client:
    return WorkerClient()


@pytest.fixture(autouse=True)
def _sendgrid_connectable(monkeypatch: pytest.MonkeyPatch) -> None:
    from apps.integrations.connections import registry as connections

    monkeypatch.setitem(connections.CONNECTABLE, "sendgrid", True)


def _multipart(fields: dict[str, bytes]) -> bytes:
    """A form post as SendGrid sends it: each field's bytes as they are, in its own charset."""
    body = b""
    for name, value in fields.items():
        body += f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
        body += value + b"\r\n"
    return body + f"--{BOUNDARY}--\r\n".encode()


def _post(client: Client, path: str, fields: dict[str, bytes]) -> int:
    content_type = f"multipart/form-data; boundary={BOUNDARY}"
    return client.post(path, _multipart(fields), content_type=content_type).status_code


def _parsed_fields(charsets: dict[str, str], **values: bytes) -> dict[str, bytes]:
    fields = {
        "headers": f"From: {CUSTOMER}\nMessage-ID: <c1@x>\n".encode(),
        "from": CUSTOMER.encode(),
        "to": f"support@{DOMAIN}".encode(),
        "subject": b"My order",
        "text": b"Where is it?",
        "envelope": json.dumps({"to": [f"support@{DOMAIN}"], "from": CUSTOMER}).encode(),
    }
    fields.update(values)
    fields["charsets"] = json.dumps(charsets).encode()
    return fields


def test_each_field_is_decoded_with_the_charset_sendgrid_names(
    client: Client, store: Store
) -> None:
    path = _connect(store)
    fields = _parsed_fields(
        {"text": "iso-8859-1", "subject": "Shift_JIS", "from": "windows-1252"},
        text="Où est ma commande ? Merci, Zoë".encode("iso-8859-1"),
        subject="注文について".encode("shift_jis"),
        **{"from": f"Zoë <{CUSTOMER}>".encode("cp1252")},
    )
    assert _post(client, path, fields) == 200
    assert Message.objects.get().text == "Où est ma commande ? Merci, Zoë"
    thread = EmailThread.objects.get()
    assert (thread.subject, thread.customer_address) == ("注文について", CUSTOMER)


def test_html_in_windows_1252_is_read_as_text(client: Client, store: Store) -> None:
    path = _connect(store)
    html = "<p>Can I return the “Café” hoodie?</p>".encode("cp1252")
    fields = _parsed_fields({"html": "windows-1252", "text": "UTF-8"}, text=b"", html=html)
    assert _post(client, path, fields) == 200
    assert Message.objects.get().text == "Can I return the “Café” hoodie?"


@pytest.mark.parametrize("charset", ["x-no-such-charset", "rot13", "zlib_codec", ""])
def test_an_unknown_or_bogus_charset_falls_back_with_replacement(
    client: Client, store: Store, charset: str
) -> None:
    path = _connect(store)
    fields = _parsed_fields({"text": charset}, text="Caf\xe9 order 1001".encode("latin-1"))
    assert _post(client, path, fields) == 200
    assert Message.objects.get().text == "Caf\ufffd order 1001"


def test_undeclared_fields_are_utf8_and_bad_bytes_do_not_fail(client: Client, store: Store) -> None:
    path = _connect(store)
    fields = _parsed_fields({}, text="Grüße ".encode() + b"\xff\xfe" + b" 1001")
    fields["charsets"] = b"not json"
    assert _post(client, path, fields) == 200
    assert Message.objects.get().text == "Grüße \ufffd\ufffd 1001"


def _raw_mime(*, plain: str | None, html: str | None, headers: dict[str, str]) -> bytes:
    message = EmailMessage()
    message["From"] = f"Zoë <{CUSTOMER}>"
    message["To"] = f"support@{DOMAIN}"
    message["Subject"] = "Rückgabe"
    message["Message-ID"] = "<raw1@mail.example.com>"
    for name, value in headers.items():
        message[name] = value
    if plain is not None:
        message.set_content(plain, charset="iso-8859-1", cte="quoted-printable")
    if html is not None:
        if plain is None:
            message.set_content(html, subtype="html", charset="windows-1252")
        else:
            message.add_alternative(html, subtype="html", charset="windows-1252")
    message.add_attachment(
        b"%PDF" + b"x" * 3000, maintype="application", subtype="pdf", filename="receipt.pdf"
    )
    return message.as_bytes()


def _raw_fields(raw: bytes) -> dict[str, bytes]:
    return {
        "email": raw,
        "from": f"Zoë <{CUSTOMER}>".encode(),
        "to": f"support@{DOMAIN}".encode(),
        "subject": "Rückgabe".encode(),
        "envelope": json.dumps({"to": [f"support@{DOMAIN}"], "from": CUSTOMER}).encode(),
        "charsets": json.dumps({"from": "UTF-8", "subject": "UTF-8", "email": "UTF-8"}).encode(),
    }


def test_a_raw_mime_post_is_read_with_its_parts_charsets_and_attachments_noted(
    client: Client, store: Store
) -> None:
    path = _connect(store)
    raw = _raw_mime(
        plain="Je voudrais retourner le sweat. Commande 1001.\n\n> old quoted text",
        html="<p>ignored: the plain part wins</p>",
        headers={},
    )
    assert _post(client, path, _raw_fields(raw)) == 200
    message = Message.objects.get()
    assert message.text == "Je voudrais retourner le sweat. Commande 1001."
    assert message.metadata["email"]["message_id"] == "<raw1@mail.example.com>"
    assert message.metadata["email"]["attachments"] == [
        {"name": "receipt.pdf", "type": "application/pdf", "size": 3004}
    ]
    assert EmailThread.objects.get().subject == "Rückgabe"


def test_a_raw_mime_post_with_only_html_is_read_as_text(client: Client, store: Store) -> None:
    path = _connect(store)
    raw = _raw_mime(plain=None, html="<p>Where is my “order” 1001?</p>", headers={})
    assert _post(client, path, _raw_fields(raw)) == 200
    assert Message.objects.get().text == "Where is my “order” 1001?"


def test_a_raw_mime_auto_reply_is_recognised_by_its_own_headers(
    client: Client, store: Store
) -> None:
    path = _connect(store)
    raw = _raw_mime(
        plain="I am out of office.", html=None, headers={"Auto-Submitted": "auto-replied"}
    )
    assert _post(client, path, _raw_fields(raw)) == 200
    assert not Conversation.objects.exists()


def test_a_raw_mime_part_in_an_unknown_charset_does_not_fail(client: Client, store: Store) -> None:
    path = _connect(store)
    raw = (
        f"From: {CUSTOMER}\r\nTo: support@{DOMAIN}\r\nSubject: Hi\r\nMessage-ID: <raw2@x>\r\n"
        "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=x-klingon\r\n\r\n"
    ).encode() + b"Order 1001 \xff please\r\n"
    assert _post(client, path, _raw_fields(raw)) == 200
    assert Message.objects.get().text == "Order 1001 \ufffd please"
