"""Issue 14, item 7: every shell and TOML example of README.md and docs/*.md runs.

Each document's ```sh blocks run in order, in one working folder of their own, as a user would
type them: `ragdb` is the built binary on PATH; `examples/`, `bench/`, `scripts/` and `build/`
are the repository's; `../shared/data` is the shared data sets; the model hub is a loopback one
serving the tiny test models under the real names; port 6333 becomes a free port. Every block
must exit 0. ```toml blocks are server configs, checked with `ragdb serve --config FILE --check`.

A block may be skipped only with a comment on the line above it that says why:
    <!-- docs-test: skip (needs root and the network) -->
Untagged blocks that hold commands fail the test: tag them ```sh (or ```text for a synopsis).
"""
import os
import re
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / 'lib'))
from ragdb_cli import SOURCE_DIR, FakeHub, free_port, ragdb_binary  # noqa: E402

DOCS = [SOURCE_DIR / 'README.md'] + sorted((SOURCE_DIR / 'docs').glob('*.md'))
SHELL = {'sh', 'bash', 'shell'}
SKIP = re.compile(r'<!--\s*docs-test:\s*skip\s*\((.+)\)\s*-->')
LOOKS_LIKE_COMMANDS = re.compile(
    r'^\s*(\$ )?(ragdb|curl|echo|cmake|scripts/|\./|bench/|build/|/usr/bin/python3|python3)\b')


def blocks(path):
    """(language, code, line number, skip reason or None) of each fenced block."""
    lines = path.read_text().splitlines()
    out, i = [], 0
    while i < len(lines):
        m = re.match(r'^```(\S*)', lines[i])
        if not m:
            i += 1
            continue
        lang, start = m.group(1), i + 1
        j = start
        while j < len(lines) and not lines[j].startswith('```'):
            j += 1
        skip = SKIP.search(lines[i - 1]) if i > 0 else None
        out.append((lang, '\n'.join(lines[start:j]) + '\n', start, skip.group(1) if skip else None))
        i = j + 1
    return out


def shared_data():
    for base in [SOURCE_DIR.parent] + list(SOURCE_DIR.parents):
        if (base / 'shared' / 'data').is_dir():
            return base / 'shared'
    return None


@pytest.fixture(scope='module')
def hub():
    h = FakeHub()
    yield h
    h.close()


@pytest.mark.parametrize('doc', DOCS, ids=[str(d.relative_to(SOURCE_DIR)) for d in DOCS])
def test_examples_run(doc, hub):
    found = blocks(doc)
    for lang, code, line, _ in found:
        if lang == '' and LOOKS_LIKE_COMMANDS.match(code):
            pytest.fail('%s:%d: an untagged block of commands; tag it ```sh (or ```text for a '
                        'synopsis that is not meant to run)' % (doc.name, line))
    runnable = [b for b in found if b[0] in SHELL | {'toml'} and b[3] is None]
    if not runnable:
        pytest.skip('no shell or TOML examples')
    with tempfile.TemporaryDirectory(prefix='ragdb-docs-') as tmp:
        tmp = Path(tmp)
        work = tmp / 'work'
        work.mkdir()
        for name in ('examples', 'bench', 'scripts', 'tests'):
            (work / name).symlink_to(SOURCE_DIR / name)
        binary = Path(ragdb_binary())
        (work / 'build').symlink_to(binary.parent)
        shared = shared_data()
        if shared:
            (tmp / 'shared').symlink_to(shared)
        env = {k: v for k, v in os.environ.items() if not k.startswith('RAGDB_')}
        env.update(PATH=str(binary.parent) + os.pathsep + env['PATH'],
                   RAGDB_MODEL_CACHE=str(tmp / 'models'), RAGDB_HF_ENDPOINT=hub.url,
                   LC_ALL='C.UTF-8')
        port = str(free_port())
        groups = []
        try:
            for lang, code, line, _ in runnable:
                where = '%s:%d' % (doc.relative_to(SOURCE_DIR), line)
                if lang == 'toml':
                    config = tmp / ('config-%d.toml' % line)
                    config.write_text(code)
                    p = subprocess.run([str(binary), '--data', str(tmp / 'toml-data'), 'serve',
                                        '--config', str(config), '--check'],
                                       capture_output=True, text=True, env=env, cwd=work)
                    assert p.returncode == 0, '%s: the config is refused:\n%s' % (where, p.stderr)
                    continue
                script = re.sub(r'\b6333\b', port, code)
                p = subprocess.Popen(['bash', '-e', '-o', 'pipefail', '-c', script], cwd=work,
                                     env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True, start_new_session=True)
                groups.append(p.pid)
                try:
                    out, err = p.communicate(timeout=600)
                except subprocess.TimeoutExpired:
                    p.kill()
                    out, err = p.communicate()
                assert p.returncode == 0, '%s: exit %d\n--- block\n%s--- stdout\n%s--- stderr\n%s' % (
                    where, p.returncode, code, out[-4000:], err[-4000:])
        finally:
            for pgid in groups:  # servers a block left running in the background
                try:
                    os.killpg(pgid, signal.SIGTERM)
                except ProcessLookupError:
                    pass


def test_skips_are_few_and_say_why():
    skipped = [(d.name, line, reason) for d in DOCS for lang, _, line, reason in blocks(d)
               if reason is not None]
    for name, line, reason in skipped:
        assert len(reason) > 10, '%s:%d: say why the block is skipped' % (name, line)
    # The build (and the edge, aarch64 and pip builds), the whole test suite, the benchmarks
    # (minutes to hours each) and blocks needing etcd, S3 or downloaded models are the only kinds
    # not run here.
    assert len(skipped) <= 29, skipped
