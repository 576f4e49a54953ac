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


class LlmServer:
    """An OpenAI-protocol chat endpoint on loopback (POST /v1/chat/completions), answering
    `answer` after `delay` seconds, as JSON or as server-sent events when asked to stream. It
    runs in this process, on its own thread."""

    def __init__(self):
        import http.server
        import json
        import threading
        owner = self
        self.answer = "A write is durable once the write-ahead log is fsynced [1]."
        self.delay = 0.0
        self.requests = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                owner.requests.append(body)
                time.sleep(owner.delay)
                if body.get("stream"):
                    self.send_response(200)
                    self.send_header("Content-Type", "text/event-stream")
                    self.end_headers()
                    for word in owner.answer.split(" "):
                        piece = {"choices": [{"delta": {"content": word + " "}}]}
                        self.wfile.write(f"data: {json.dumps(piece)}\n\n".encode())
                    self.wfile.write(b"data: [DONE]\n\n")
                    return
                out = json.dumps({"choices": [{"message": {"role": "assistant",
                                                           "content": owner.answer}}]}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def llm_server():
    s = LlmServer()
    yield s
    s.close()


def is_http(store):
    return isinstance(store, ragdb.Client)
