"""A real PgBouncer (Debian's `pgbouncer` package) in transaction mode, for tests.

`pgbouncer_port()` starts one in front of the test PostgreSQL with ONE server connection
per database and user, so every client shares it: anything a client leaves in the
session (a prepared statement, a server-side cursor, a SET) meets the next client there.
Skips the test when the binary is absent (`.ci/run` installs it).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import connection

BINARY = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _config(directory: Path, port: int) -> Path:
    target = connection.settings_dict
    users = directory / "users.txt"
    users.write_text(f'"{target["USER"] or "postgres"}" "{target["PASSWORD"] or ""}"\n')
    ini = directory / "pgbouncer.ini"
    ini.write_text(
        "[databases]\n"
        f"* = host={target['HOST'] or '127.0.0.1'} port={target['PORT'] or 5432}\n"
        "[pgbouncer]\n"
        f"listen_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\n"
        f"auth_type = {'md5' if target['PASSWORD'] else 'trust'}\nauth_file = {users}\n"
        "pool_mode = transaction\ndefault_pool_size = 1\nmax_client_conn = 50\n"
        "ignore_startup_parameters = extra_float_digits,options\n"
    )
    return ini


@contextmanager
def pgbouncer_port(directory: Path) -> Iterator[int]:
    if not Path(BINARY).exists():
        pytest.skip("pgbouncer is not installed (apt-get install pgbouncer)")
    port = _free_port()
    ini = _config(directory, port)
    # PgBouncer refuses to run as root; -u drops to the postgres user after reading ini.
    command = [BINARY, "-u", "postgres", str(ini)] if _is_root() else [BINARY, str(ini)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        _wait_for(port, process)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)


def _is_root() -> bool:
    import os

    return os.geteuid() == 0


def _wait_for(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = process.stdout.read().decode() if process.stdout else ""
            raise RuntimeError(f"pgbouncer exited: {output}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("pgbouncer did not start listening")
