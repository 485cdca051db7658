"""The console provider: what would be sent, written to a file and the log (the demo, no keys).

Each message is one JSON line in `<directory>/messages.jsonl`, so a newcomer running `make demo`
can read every email and SMS the agent would have sent, and the look-up after an ambiguous
failure works the same way as with a real provider.
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from apps.integrations.messaging.base import Email, Sent, Sms

logger = logging.getLogger(__name__)

FILE_NAME = "messages.jsonl"


class ConsoleSender:
    key = "console"

    def __init__(self, directory: Path | str) -> None:
        self._path = Path(directory) / FILE_NAME

    def send_email(self, email: Email) -> Sent:
        email.check()
        record = {"channel": "email", **asdict(email)}
        message_id = self._write(record)
        logger.info("console email %s to %s: %s", message_id, email.to, email.subject)
        return Sent(message_id=message_id, status="accepted")

    def send_sms(self, sms: Sms) -> Sent:
        sms.check()
        message_id = self._write({"channel": "sms", **asdict(sms)})
        logger.info("console SMS %s to %s: %s", message_id, sms.to, sms.body[:60])
        return Sent(message_id=message_id, status="accepted")

    def find_sms(self, sms: Sms, *, since: datetime) -> Sent | None:
        for record in self.records():
            if (
                record.get("channel") == "sms"
                and (record.get("to"), record.get("from_number"), record.get("body"))
                == (sms.to, sms.from_number, sms.body)
                and datetime.fromisoformat(record["at"]) >= since
            ):
                return Sent(message_id=record["id"], status="accepted")
        return None

    def records(self) -> list[dict[str, Any]]:
        """Everything written so far, oldest first."""
        if not self._path.exists():
            return []
        with self._path.open(encoding="utf-8") as lines:
            return [json.loads(line) for line in lines if line.strip()]

    def _write(self, record: dict[str, Any]) -> str:
        message_id = f"console-{uuid.uuid4().hex}"
        record = {"id": message_id, "at": datetime.now(UTC).isoformat(), **record}
        self._path.parent.mkdir(parents=True, exist_ok=True)
        # One write of one line in append mode: concurrent workers never interleave lines.
        with self._path.open("a", encoding="utf-8") as out:
            out.write(json.dumps(record, default=dict) + "\n")
        return message_id
