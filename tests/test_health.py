from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_healthz_is_ok_when_database_and_broker_answer(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": True, "broker": True}


def test_healthz_is_503_when_the_broker_is_down(client, monkeypatch):
    import redis

    def down(self):
        raise redis.ConnectionError("refused")

    monkeypatch.setattr(redis.Redis, "ping", down)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["broker"] is False
