"""docs/python.md's quick start runs as written, and prints the same against a server after the
one-line change the page shows."""
import os
import re
import subprocess
import sys

from conftest import REPO, Server

import pytest

PAGE = (REPO / "docs" / "python.md").read_text()
BLOCKS = re.findall(r"```python\n(.*?)```", PAGE, re.S)
QUICK_START = BLOCKS[0]
OPEN_LINE = 'db = ragdb.open("./python-demo-data")'
CONNECT_LINE = BLOCKS[1].split("#")[0].strip()


def run(code, cwd):
    (cwd / "examples").symlink_to(REPO / "examples")
    out = subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True,
                         env=dict(os.environ), timeout=300)
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_quick_start_embedded(tmp_path):
    assert OPEN_LINE in QUICK_START
    out = run(QUICK_START, tmp_path)
    assert "outdoor, in stock:" in out and "ingested 4 documents" in out
    assert "[1] durability.html" in out
    assert (tmp_path / "python-demo-data").is_dir()


@pytest.mark.http
def test_quick_start_over_http_prints_the_same(tmp_path):
    assert CONNECT_LINE == 'db = ragdb.connect("http://127.0.0.1:6333")'
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    embedded = run(QUICK_START, tmp_path / "a")
    server = Server(tmp_path / "server-data")
    try:
        code = QUICK_START.replace(OPEN_LINE, CONNECT_LINE.replace("6333", str(server.port)))
        remote = run(code, tmp_path / "b")
    finally:
        server.stop()
    assert remote == embedded


def test_readme_sample(tmp_path):
    readme = (REPO / "README.md").read_text()
    code = re.findall(r"```python\n(.*?)```", readme, re.S)[0]
    out = run(code + "\nprint(len(ids), answer.mode)\n", tmp_path)
    assert out.split()[-2:] == ["100", "extractive"]
