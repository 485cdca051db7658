"""Named locks: a short lease renewed while held, freed soon after its holder dies."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
from django.conf import settings

from apps.core.locks import LockTimeout, named_lock
from tests.clock import clock_is_moved
from tests.worker import PROJECT_ROOT

pytestmark = pytest.mark.skipif(not settings.REDIS_URL, reason="Redis locks need REDIS_URL")


def _free(name: str) -> bool:
    try:
        with named_lock(name, timeout=5, wait=0):
            return True
    except LockTimeout:
        return False


# Lease renewal is timed by a thread's Event.wait, which libfaketime does not move.
renewal_timed = pytest.mark.skipif(clock_is_moved(), reason="timed waits under a moved clock")


@renewal_timed
def test_a_renewed_lock_outlives_its_lease_while_held() -> None:
    with named_lock("renewed", timeout=0.6, renew=True):
        time.sleep(1.5)
        assert not _free("renewed")
    assert _free("renewed")


def test_an_unrenewed_lease_runs_out() -> None:
    with named_lock("plain", timeout=0.5):
        time.sleep(1.0)
        assert _free("plain")


@renewal_timed
def test_a_killed_holder_frees_its_lock_within_one_lease() -> None:
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import django, time; django.setup()\n"
            "from apps.core.locks import named_lock\n"
            "with named_lock('held-by-child', timeout=1.5, renew=True):\n"
            "    print('held', flush=True); time.sleep(60)\n",
        ],
        cwd=PROJECT_ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "TESTING": "1",
             "REDIS_URL": settings.REDIS_URL},
        stdout=subprocess.PIPE,
    )  # fmt: skip
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == b"held"
        time.sleep(2.0)  # past one lease: still held, because the holder renews it
        assert not _free("held-by-child")
        holder.kill()  # SIGKILL: no finally, no release
        holder.wait(5)
        deadline = time.monotonic() + 3.0
        while not _free("held-by-child"):
            assert time.monotonic() < deadline, "the dead holder's lock outlived its lease"
            time.sleep(0.1)
    finally:
        holder.kill()
