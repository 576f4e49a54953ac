"""Fixtures: a fresh embedded database per test, and one real `ragdb serve` on a loopback port
per session for the HTTP client. `store` runs a test against both (the http one is marked
`http`, so CTest's python_http entry selects exactly those)."""
import os
import pathlib
import signal
import socket
import subprocess
import time
import urllib.request
import uuid

import pytest

import ragdb

REPO = pathlib.Path(os.environ.get("RAGDB_SOURCE_DIR",
                                   pathlib.Path(__file__).resolve().parents[2]))
RAGDB_BIN = os.environ.get("RAGDB_BIN", str(REPO / "build" / "ragdb"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`ragdb --data DIR serve --port P` on loopback, up once /healthz answers."""

    def __init__(self, data_dir, *args):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = open(pathlib.Path(data_dir).with_suffix(".log"), "wb")
        self.proc = subprocess.Popen(
            [RAGDB_BIN, "--data", str(data_dir), "serve", "--port", str(self.port), *args],
            stdout=subprocess.DEVNULL, stderr=self.log)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"ragdb serve exited with {self.proc.returncode}")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=1):
                    return
            except OSError:
                time.sleep(0.05)
        self.proc.kill()
        raise RuntimeError("ragdb serve did not answer /healthz")

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    s = Server(tmp_path_factory.mktemp("serve") / "data")
    yield s
    s.stop()


@pytest.fixture(params=["embedded", pytest.param("http", marks=pytest.mark.http)])
def store(request, tmp_path):
    """A ragdb.Database (embedded) or a ragdb.Client (HTTP): the same API."""
    if request.param == "embedded":
        db = ragdb.open(tmp_path / "db")
        yield db
        db.close()
    else:
        client = ragdb.connect(request.getfixturevalue("server").url)
        yield client
        client.close()


@pytest.fixture
def name():
    """A collection / knowledge-base name no other test uses (the server is shared)."""
    return "t" + uuid.uuid4().hex[:10]


def is_http(store):
    return isinstance(store, ragdb.Client)
