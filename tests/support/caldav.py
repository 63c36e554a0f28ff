"""A real CalDAV server for the tests: Radicale (from PyPI) as a subprocess on loopback.

Its storage is a temporary folder and it checks passwords (htpasswd, plain), so the tests see
what a real officer's calendar server does: MKCALENDAR, time-range REPORTs, PUT, DELETE, 401.
Each test makes a calendar collection of its own (``new_calendar``), so one server serves the
whole session and tests stay isolated.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import requests

__all__ = ["PASSWORD", "USER", "RadicaleServer"]

USER = "handlaggare"
PASSWORD = "kalender-hemlighet-42"


class RadicaleServer:
    """One Radicale process on 127.0.0.1 and a free port, with one user."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.port = _free_port()
        self._process: subprocess.Popen[bytes] | None = None
        self._log = root / "radicale.log"

    def start(self, timeout: float = 30) -> RadicaleServer:
        """Start Radicale and wait until it accepts connections."""
        (self.root / "users").write_text(f"{USER}:{PASSWORD}\n")
        config = self.root / "config"
        config.write_text(
            "\n".join(
                [
                    "[server]",
                    f"hosts = 127.0.0.1:{self.port}",
                    "delay_on_error = 0",
                    "[auth]",
                    "type = htpasswd",
                    f"htpasswd_filename = {self.root / 'users'}",
                    "htpasswd_encryption = plain",
                    "delay = 0",
                    "[rights]",
                    "type = owner_only",
                    "[storage]",
                    f"filesystem_folder = {self.root / 'collections'}",
                    "[web]",
                    "type = none",
                    "[logging]",
                    "level = warning",
                    "",
                ]
            )
        )
        with self._log.open("wb") as log:
            self._process = subprocess.Popen(
                [sys.executable, "-m", "radicale", "--config", str(config)],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        deadline = time.monotonic() + timeout
        while True:
            if self._process.poll() is not None:
                raise RuntimeError(f"Radicale exited at start: {self._log.read_text()[-2000:]}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return self
            except OSError:
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError("Radicale did not start listening") from None
                # Waiting for a process to listen, not for time to pass in a test.
                time.sleep(0.05)

    def stop(self) -> None:
        """Stop the process (the one this object started)."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)

    @property
    def base_url(self) -> str:
        """The user's home collection."""
        return f"http://127.0.0.1:{self.port}/{USER}/"

    def new_calendar(self) -> str:
        """Make an empty calendar collection; return its URL (with a trailing slash)."""
        url = f"{self.base_url}{uuid.uuid4().hex}/"
        response = requests.request("MKCALENDAR", url, auth=(USER, PASSWORD), timeout=10)
        assert response.status_code == 201, response.status_code
        return url

    def put(self, calendar_url: str, name: str, ics: str | bytes) -> None:
        """Store one calendar object resource, as another calendar client would."""
        response = requests.put(
            f"{calendar_url}{name}",
            data=ics.encode("utf-8") if isinstance(ics, str) else ics,
            headers={"Content-Type": "text/calendar; charset=utf-8"},
            auth=(USER, PASSWORD),
            timeout=10,
        )
        assert response.status_code in (201, 204), response.status_code

    def get(self, url: str) -> requests.Response:
        """GET a resource (a calendar collection answers with all its events as one file)."""
        return requests.get(url, auth=(USER, PASSWORD), timeout=10)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
