"""Fault-injection helpers (not collected by pytest): a loopback TCP proxy in front of the moto
server that can hold, black-hole or refuse requests, and child processes killed with SIGKILL
at a known point.

Child entry points are in `faults_children.py`; `sensor_location` is the code location the
child running Dagster's sensor daemon loads (settings from DATAOPS_* variables).
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import dagster as dg

REPO = Path(__file__).resolve().parents[2]
CHILD_TIMEOUT = 180.0  # seconds any child process may take, at most (a JVM start on a loaded machine)
_REQUEST_LINE = re.compile(rb"^(GET|PUT|POST|HEAD|DELETE) (\S+) HTTP/1\.[01]\r\n")

# What the proxy does with a request: forward it; hold it until released; forward it and hold its
# response; forward it and drop its response (a transient loss); forward it and lose its response
# and answer nothing from then on; swallow it and every later one (the endpoint stops answering);
# or close everything (the endpoint dies).
PASS, HOLD, HOLD_RESPONSE, DROP_RESPONSE, LOSE_RESPONSE, BLACKHOLE, DIE = (
    "pass",
    "hold",
    "hold_response",
    "drop_response",
    "lose_response",
    "blackhole",
    "die",
)


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll `condition` until it holds; AssertionError naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.02)


class _Connection:
    """One proxied client connection and the fate of the request it is carrying."""

    def __init__(self, client: socket.socket, server: socket.socket):
        self.client, self.server = client, server
        self.fate = PASS


class FaultProxy:
    """A TCP proxy on 127.0.0.1 in front of an HTTP/1.1 endpoint, request by request.

    `rule(method, path)` decides each request's fate; after a LOSE_RESPONSE, BLACKHOLE or DIE,
    every later request is swallowed (or refused) until `recover()`. HTTP clients (botocore,
    delta-rs) never pipeline, so a chunk from the client that starts with a request line starts
    a request; the chunks after it are its body.
    """

    def __init__(self, upstream: str):
        host, port = upstream.removeprefix("http://").split(":")
        self.upstream = (host, int(port))
        self.rule: Callable[[str, str], str] = lambda method, path: PASS
        self.requests: list[tuple[str, str, str]] = []  # (method, path, fate)
        self.held: list[str] = []  # what was held (request paths, "response")
        self.failed_mode: str | None = None  # BLACKHOLE or DIE once the endpoint failed
        self._release = threading.Event()
        self._forward_held = False
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self.port = 0
        self._listener = self._listen()
        self.port = self._listener.getsockname()[1]

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _listen(self) -> socket.socket:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()
        return listener

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
                server = socket.create_connection(self.upstream)
            except OSError:
                return  # closed
            with self._lock:
                self._sockets += [client, server]
            connection = _Connection(client, server)
            threading.Thread(target=self._requests, args=(connection,), daemon=True).start()
            threading.Thread(target=self._responses, args=(connection,), daemon=True).start()

    def _fate(self, chunk: bytes, connection: _Connection) -> str:
        match = _REQUEST_LINE.match(chunk)
        if not match:
            return connection.fate  # the rest of a request body
        method, path = match.group(1).decode(), match.group(2).decode()
        fate = self.failed_mode or self.rule(method, path)
        self.requests.append((method, path, fate))
        if fate in (BLACKHOLE, DIE):
            self.failed_mode = fate
        elif fate == LOSE_RESPONSE:
            self.failed_mode = BLACKHOLE  # this request goes through; no response comes back
        connection.fate = PASS if fate == LOSE_RESPONSE else fate
        return fate

    def _requests(self, connection: _Connection) -> None:
        while chunk := _recv(connection.client):
            fate = self._fate(chunk, connection)
            if fate == DIE:
                self.stop()
                return
            if fate == BLACKHOLE:
                continue  # read and ignored: the client waits for a response that never comes
            if fate == HOLD and _REQUEST_LINE.match(chunk) and not self._hold("request"):
                break
            if not _send(connection.server, chunk):
                break
        self._close(connection.client, connection.server)

    def _responses(self, connection: _Connection) -> None:
        while chunk := _recv(connection.server):
            if connection.fate == HOLD_RESPONSE:
                connection.fate = PASS
                if not self._hold("response"):
                    break
            if self.failed_mode or connection.fate == DROP_RESPONSE:
                continue  # lost
            if not _send(connection.client, chunk):
                break
        self._close(connection.client, connection.server)

    def _hold(self, what: str) -> bool:
        """Wait for `release`; False if what was held must be dropped instead."""
        with self._lock:
            self.held.append(what)
        self._release.wait(CHILD_TIMEOUT)
        return self._forward_held

    def release(self, forward: bool = True) -> None:
        """Let held requests and responses (and any later HOLD) go on, or drop them."""
        self._forward_held = forward
        self._release.set()

    def _close(self, *sockets: socket.socket) -> None:
        for sock in sockets:
            try:
                sock.close()
            except OSError:
                pass

    def stop(self) -> None:
        """The endpoint dies: connections reset, new ones refused, held messages dropped."""
        self.release(forward=False)
        with self._lock:
            sockets, self._sockets = [self._listener, *self._sockets], []
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self._close(sock)

    def recover(self) -> None:
        """The endpoint is back, on the same port, forwarding everything."""
        self.stop()
        self.failed_mode, self.rule = None, lambda method, path: PASS
        self._release, self._forward_held = threading.Event(), False
        self._listener = self._listen()

    def count(self, method: str, pattern: str) -> int:
        return sum(1 for m, path, _ in self.requests if m == method and re.search(pattern, path))


def _recv(sock: socket.socket) -> bytes:
    try:
        return sock.recv(65536)
    except OSError:
        return b""


def _send(sock: socket.socket, chunk: bytes) -> bool:
    try:
        sock.sendall(chunk)
    except OSError:
        return False
    return True


class Child:
    """A child process running one entry point of `faults_children`, killed or awaited."""

    def __init__(self, command: str, args: dict, env: dict | None = None):
        self.command = command
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "dataops_platform_tests.support.faults_children", command, json.dumps(args)],
            cwd=REPO,
            env={**os.environ, **(env or {})},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def kill_when(self, condition: Callable[[], bool], what: str, timeout: float = CHILD_TIMEOUT) -> None:
        """SIGKILL the child as soon as `condition` holds (it must not exit before)."""
        try:
            wait_for(lambda: condition() or self.proc.poll() is not None, timeout, what)
        finally:
            exited = self.proc.poll()
            self.proc.send_signal(signal.SIGKILL)
            _, err = self.proc.communicate(timeout=30)
        assert exited is None, f"{self.command} exited ({exited}) before {what}:\n{err[-3000:]}"
        assert self.proc.returncode == -signal.SIGKILL

    def _finish(self, timeout: float) -> tuple[str, str]:
        """(stdout, stderr) once the child exits; killed and reported if it takes over `timeout` s."""
        try:
            return self.proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            _, err = self.proc.communicate(timeout=30)
            raise AssertionError(f"{self.command} did not finish in {timeout:.0f} s:\n{err[-3000:]}") from None

    def killed(self, timeout: float = CHILD_TIMEOUT) -> None:
        """Wait for the child to SIGKILL itself (Dagster's debug crash flags do that)."""
        _, err = self._finish(timeout)
        assert self.proc.returncode == -signal.SIGKILL, f"{self.command} was not killed:\n{err[-5000:]}"

    def result(self, timeout: float = CHILD_TIMEOUT) -> dict:
        """The child's JSON report once it exits successfully."""
        out, err = self._finish(timeout)
        assert self.proc.returncode == 0, f"{self.command} failed ({self.proc.returncode}):\n{err[-5000:]}"
        return json.loads(out.strip().splitlines()[-1])


def report(fault: str, kept: str, lost: str) -> None:
    """What a fault test saw (`pytest -s` shows it; the README table quotes it)."""
    print(f"\n[fault] {fault}\n  kept: {kept}\n  lost: {lost}")


@dg.definitions
def sensor_location() -> dg.Definitions:
    """The customers bronze asset, its ingest job and its listing sensor (1 s interval, no
    recent window), on the local lake and intake folders of the DATAOPS_* variables."""
    from dataops_platform.orchestration.bronze import bronze_asset
    from dataops_platform.orchestration.partitions import daily_partitions
    from dataops_platform.orchestration.resources.lake import LakeResource
    from dataops_platform.orchestration.sensors.ingest import IngestTarget, ingest_job
    from dataops_platform.orchestration.sensors.intake import listing_sensor
    from dataops_platform.orchestration.sensors.listing import ListingPolicy
    from dataops_platform.settings import Settings

    settings, declaration = Settings.from_env(), customers_declaration()
    bronze = bronze_asset(declaration, daily_partitions(settings.partitions_start), settings.lake_root)
    target = IngestTarget(declaration)
    lake = LakeResource(lake_root=settings.lake_root, intake_root=settings.intake_root)
    return dg.Definitions(
        assets=[bronze],
        jobs=[ingest_job(dg.AssetSelection.assets(bronze))],
        resources={"lake": lake},
        sensors=[listing_sensor(target, 1, ListingPolicy(window_seconds=0))],
    )


def customers_declaration():
    """The dataset every fault test uses."""
    from dataops_platform.declarations import DEFS_DIR, load_declaration

    return load_declaration(DEFS_DIR / "customers" / "defs.yaml")
