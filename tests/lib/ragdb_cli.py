"""Helpers shared by the black-box tests of the `ragdb` binary (tests/cli, tests/docs).

Everything runs as a user would run it: the built binary in a subprocess, with its own data
folder, model cache and environment; a loopback "Hugging Face hub" serving the tiny test models;
`ragdb serve` on a free port. Plain Python (Debian's python3 + pytest), no other packages.
"""
import fcntl
import hashlib
import http.server
import os
import pty
import re
import select
import signal
import socket
import struct
import subprocess
import termios
import threading
import time
import urllib.request
from pathlib import Path

SOURCE_DIR = Path(os.environ.get('RAGDB_SOURCE_DIR', Path(__file__).resolve().parents[2]))
FIXTURES = SOURCE_DIR / 'tests' / 'fixtures'


def ragdb_binary():
    b = os.environ.get('RAGDB_BIN')
    if not b:
        b = str(SOURCE_DIR / 'build' / 'ragdb')
    return str(Path(b).resolve())


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def refused_endpoint():
    """A loopback URL where nothing listens: the hub is 'offline'."""
    return 'http://127.0.0.1:%d' % free_port()


class Result:
    def __init__(self, code, out, err):
        self.code, self.out, self.err = code, out, err

    def __repr__(self):
        return 'exit %d\n--- stdout\n%s--- stderr\n%s' % (self.code, self.out, self.err)


class Cli:
    """Runs `ragdb` with a private environment: data folder, model cache, offline hub."""

    def __init__(self, tmp: Path, hub=None):
        self.bin = ragdb_binary()
        self.tmp = Path(tmp)
        self.data = self.tmp / 'data'
        self.env = {k: v for k, v in os.environ.items() if not k.startswith('RAGDB_')}
        self.env['RAGDB_MODEL_CACHE'] = str(self.tmp / 'models')
        self.env['RAGDB_HF_ENDPOINT'] = hub.url if hub else refused_endpoint()
        self.env['LC_ALL'] = 'C.UTF-8'

    def run(self, *args, input=None, data=True, env=None, cwd=None, timeout=120):
        argv = [self.bin] + (['--data', str(self.data)] if data else []) + [str(a) for a in args]
        e = dict(self.env, **(env or {}))
        p = subprocess.run(argv, input=input, capture_output=True, text=True, env=e,
                           cwd=cwd or self.tmp, timeout=timeout)
        return Result(p.returncode, p.stdout, p.stderr)

    def ok(self, *args, **kw):
        r = self.run(*args, **kw)
        assert r.code == 0, r
        return r

    def run_tty(self, *args, input_file=None, env=None, timeout=120):
        """Runs with stderr on a pseudo-terminal (stdout piped): what a user sees on a terminal."""
        master, slave = pty.openpty()
        # A 120-column terminal, so bars have room for their detail (the file, the stage).
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack('HHHH', 40, 120, 0, 0))
        e = dict(self.env, **(env or {}))
        argv = [self.bin, '--data', str(self.data)] + [str(a) for a in args]
        stdin = open(input_file, 'rb') if input_file else subprocess.DEVNULL
        p = subprocess.Popen(argv, stdin=stdin, stdout=subprocess.PIPE, stderr=slave, env=e,
                             cwd=self.tmp)
        os.close(slave)
        chunks = []
        deadline = time.time() + timeout
        while True:
            r, _, _ = select.select([master], [], [], 0.1)
            if r:
                try:
                    b = os.read(master, 65536)
                except OSError:
                    b = b''
                if not b:
                    break
                chunks.append(b)
            elif p.poll() is not None:
                # Drain what is left.
                try:
                    while select.select([master], [], [], 0.05)[0]:
                        b = os.read(master, 65536)
                        if not b:
                            break
                        chunks.append(b)
                except OSError:
                    pass
                break
            if time.time() > deadline:
                p.kill()
                raise TimeoutError('ragdb did not finish')
        out = p.stdout.read().decode()
        p.wait()
        os.close(master)
        if input_file:
            stdin.close()
        return Result(p.returncode, out, b''.join(chunks).decode(errors='replace'))


# The tiny fixture models, served under the names of the real ones.
HUB_MODELS = {
    'BAAI/bge-small-en-v1.5': FIXTURES / 'models' / 'bert_tiny',
    'intfloat/multilingual-e5-small': FIXTURES / 'models' / 'xlmr_tiny',
    'sentence-transformers/all-MiniLM-L6-v2': FIXTURES / 'models' / 'bert_tiny',
    'BAAI/bge-reranker-v2-m3': FIXTURES / 'models' / 'bert_tiny_ce',
}


class FakeHub:
    """A loopback model hub: GET /OWNER/NAME/resolve/main/FILE, like huggingface.co. Weights
    carry their SHA-256 in X-Linked-Etag (as LFS files do), so `model pull` verifies them."""

    def __init__(self, models=None):
        self.models = dict(models or HUB_MODELS)
        self.requests = []
        hub = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_GET(self):
                hub.requests.append(self.path)
                m = re.match(r'^/(.+?/.+?)/resolve/main/(.+)$', self.path)
                folder = hub.models.get(m.group(1)) if m else None
                f = folder / m.group(2) if folder else None
                if f is None or not f.is_file():
                    self.send_response(404)
                    self.send_header('Content-Length', '9')
                    self.end_headers()
                    self.wfile.write(b'not found')
                    return
                body = f.read_bytes()
                self.send_response(200)
                self.send_header('Content-Length', str(len(body)))
                if f.suffix == '.safetensors':
                    self.send_header('X-Linked-Etag', '"%s"' % hashlib.sha256(body).hexdigest())
                self.end_headers()
                self.wfile.write(body)

        self.server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Handler)
        self.url = 'http://127.0.0.1:%d' % self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def pulls(self, repo):
        return [p for p in self.requests if p.startswith('/' + repo + '/')]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class Server:
    """`ragdb serve` on a free loopback port, stopped with SIGTERM."""

    def __init__(self, cli: Cli, *args):
        self.port = free_port()
        argv = [cli.bin, '--data', str(cli.data), 'serve', '--port', str(self.port)] + list(args)
        self.proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                     env=cli.env, text=True)
        self.url = 'http://127.0.0.1:%d' % self.port
        for _ in range(200):
            try:
                urllib.request.urlopen(self.url + '/healthz', timeout=1).read()
                return
            except OSError:
                if self.proc.poll() is not None:
                    raise RuntimeError('server exited: ' + self.proc.stderr.read())
                time.sleep(0.05)
        self.proc.kill()
        raise RuntimeError('server did not start')

    def request(self, method, path, body=None):
        """(status, parsed JSON body, headers)."""
        import json
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method,
                                     headers={'Content-Type': 'application/json'})
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status, json.loads(r.read() or b'null'), r.headers
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b'null'), e.headers

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            _, err = self.proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            _, err = self.proc.communicate()
        return err
