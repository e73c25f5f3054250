"""A throw-away PostgreSQL server for the test suite: initdb in a temporary folder, as a non-root user."""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path


def _bindir() -> Path:
    if os.environ.get("PG_BINDIR"):
        return Path(os.environ["PG_BINDIR"])
    for candidate in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (candidate / "initdb").exists():
            return candidate
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    raise RuntimeError("PostgreSQL's initdb was not found (install postgresql, or set PG_BINDIR)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class TempPostgres:
    """Start with `start()`, read `url`, end with `stop()`."""

    def __init__(self) -> None:
        self.bindir = _bindir()
        self.port = _free_port()
        self.root = Path(tempfile.mkdtemp(prefix="incubator-pg-"))
        self.data = self.root / "data"
        self.user_prefix: list[str] = []
        if os.geteuid() == 0:  # initdb refuses to run as root
            owner = os.environ.get("INCUBATOR_PG_OS_USER", "postgres")
            try:
                entry = pwd.getpwnam(owner)
            except KeyError:
                entry = pwd.getpwnam("nobody")
            os.chown(self.root, entry.pw_uid, entry.pw_gid)
            self.user_prefix = ["runuser", "-u", entry.pw_name, "--"]
        self.url = f"postgresql+psycopg://incubator@127.0.0.1:{self.port}/incubator_test"

    def _run(self, *args: str) -> None:
        result = subprocess.run([*self.user_prefix, *args], capture_output=True, text=True, cwd=self.root)
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")

    def start(self) -> str:
        self._run(str(self.bindir / "initdb"), "-D", str(self.data), "-U", "incubator",
                  "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-instructions")
        options = (f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off -c max_connections=50")
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-o", options,
                  "-l", str(self.root / "server.log"), "-w", "-t", "60", "start")
        deadline = time.monotonic() + 30
        while True:
            try:
                self._run(str(self.bindir / "createdb"), "-h", "127.0.0.1", "-p", str(self.port),
                          "-U", "incubator", "incubator_test")
                break
            except RuntimeError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)
        return self.url

    def stop(self) -> None:
        try:
            self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
