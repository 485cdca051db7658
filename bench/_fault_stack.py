"""The servers bench/faults.py breaks: a throwaway PostgreSQL cluster, a Redis, and the
app's own processes (gunicorn, a Celery worker per queue, beat), all on free ports."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
PYTHON = Path(sys.executable)
GUNICORN = PYTHON.with_name("gunicorn")
CELERY = PYTHON.with_name("celery")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Postgres:
    """A throwaway cluster: initdb into a temporary directory, pg_ctl start/stop."""

    def __init__(self, base: Path) -> None:
        self.bin = self._bin_dir()
        self.data = base / "pgdata"
        self.port = free_port()
        self.log = base / "postgres.log"
        self.as_postgres = os.geteuid() == 0
        self.data.mkdir()
        if self.as_postgres:  # initdb refuses to run as root
            shutil.chown(base, "postgres")
            shutil.chown(self.data, "postgres")
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")
        self.start()

    @staticmethod
    def _bin_dir() -> Path:
        found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
        if found:
            return found[-1].parent
        which = shutil.which("pg_ctl")
        if which is None:
            raise SystemExit("faults bench needs PostgreSQL's initdb/pg_ctl")
        return Path(which).parent

    def _run(self, tool: str, *args: str) -> None:
        command = [str(self.bin / tool), *args]
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/aftersale_faults"

    def start(self) -> None:
        options = f"-p {self.port} -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")


class Redis:
    """A Redis of our own with append-only persistence, so a stop/start keeps the queue."""

    def __init__(self, base: Path) -> None:
        self.port = free_port()
        self.dir = base / "redis"
        self.dir.mkdir()
        self.process: subprocess.Popen[bytes] | None = None
        self.start()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
                   "--dir", str(self.dir), "--appendonly", "yes", "--save", ""]  # fmt: skip
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return
            except OSError:
                time.sleep(0.1)
        raise SystemExit("redis-server did not come up")

    def stop(self) -> None:
        assert self.process is not None
        self.process.terminate()  # SIGTERM: Redis flushes its append-only file and exits
        self.process.wait(10)


@dataclass
class Processes:
    env: dict[str, str]
    base: Path
    port: int = field(default_factory=free_port)
    running: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    # What a process manager (docker's restart policy, systemd, a PaaS) does: a server that
    # exits on its own is started again. Names we stop on purpose are left alone.
    restarts: dict[str, int] = field(default_factory=dict)
    stopping: set[str] = field(default_factory=set)
    guard: threading.Lock = field(default_factory=threading.Lock)

    def supervise(self) -> None:
        threading.Thread(target=self._supervise, daemon=True).start()

    def _supervise(self) -> None:
        starters = {"web": self.start_web, "beat": self.start_beat,
                    "worker": lambda: self.start_workers(("worker",)),
                    "chat": lambda: self.start_workers(("chat",))}  # fmt: skip
        while True:
            time.sleep(1)
            with self.guard:
                exited = [n for n, p in self.running.items()
                          if p.poll() is not None and n not in self.stopping]  # fmt: skip
                for name in exited:
                    self.restarts[name] = self.restarts.get(name, 0) + 1
                    print(f"  supervisor: {name} exited ({self.running[name].returncode}); "
                          "starting it again")  # fmt: skip
                    starters[name]()

    def _spawn(self, name: str, command: list[str], env: dict[str, str] | None = None) -> None:
        log = (self.base / f"{name}.log").open("ab")
        self.running[name] = subprocess.Popen(
            command, cwd=ROOT, env=env or self.env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip

    def start_web(self) -> None:
        env = {**self.env, "GUNICORN_BIND": f"127.0.0.1:{self.port}"}
        self._spawn("web", [str(GUNICORN), "config.wsgi", "-c", "config/gunicorn.conf.py"], env)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.base_url}/ping", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        raise SystemExit("gunicorn did not come up")

    def start_workers(self, names: tuple[str, ...] = ("worker", "chat")) -> None:
        # The default queue's worker yields the CPU to customer-facing work, as the compose
        # file's cpu_shares arrange it (the machine here is shared, two cores for all).
        for name, queue, priority in (("worker", "celery", ["nice", "-n", "10"]),
                                      ("chat", "chat", [])):  # fmt: skip
            if name not in names:
                continue
            self._spawn(name, [
                *priority, str(CELERY), "-A", "config", "worker", "-Q", queue,
                "-n", f"{name}-{uuid.uuid4().hex[:6]}@%h",
                "--concurrency=2", "--loglevel=INFO", "--without-gossip",
                "--without-mingle", "--without-heartbeat",
            ])  # fmt: skip

    def start_beat(self) -> None:
        schedule = self.base / "celerybeat-schedule"
        self._spawn("beat", [str(CELERY), "-A", "config", "beat", "--loglevel=INFO",
                             f"--schedule={schedule}"])  # fmt: skip

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def signal(self, name: str, sig: int) -> None:
        """SIGKILL/SIGSTOP/SIGCONT hit the whole process group (a crash, a frozen host);
        SIGTERM only the main process, as a process manager sends it."""
        process = self.running[name]
        if process.poll() is not None:
            return
        if sig in (signal.SIGKILL, signal.SIGSTOP, signal.SIGCONT):
            os.killpg(process.pid, sig)
        else:
            os.kill(process.pid, sig)

    def wait(self, name: str, timeout: float = 40) -> None:
        try:
            self.running[name].wait(timeout)
        except subprocess.TimeoutExpired:
            self.signal(name, signal.SIGKILL)
            self.running[name].wait(10)

    def stop_all(self) -> None:
        self.stopping.update(self.running)
        for name in list(self.running):
            self.signal(name, signal.SIGTERM)
        for name in list(self.running):
            self.wait(name, 30)

    def pids(self) -> list[int]:
        found = []
        for process in self.running.values():
            if process.poll() is None:
                found.append(process.pid)
                found.extend(_children(process.pid))
        return found

    def log(self, name: str) -> str:
        path = self.base / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""


def _children(pid: int) -> list[int]:
    try:
        out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    except OSError:
        return []
    kids = [int(p) for p in out.split()]
    return kids + [g for k in kids for g in _children(k)]


def rss_mb(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024
