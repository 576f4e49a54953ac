"""Issue 14, item 8: levels (--log-level, RAGDB_LOG), one structured line per event, stderr."""
import re

from ragdb_cli import Server

LINE = re.compile(r'^time=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z level=(error|warn|info|debug) '
                  r'event=[a-z_.]+ msg=("(?:[^"\\]|\\.)*"|\S+)( [a-z_]+=("(?:[^"\\]|\\.)*"|\S*))*$')


def ingest_with_a_skip(cli, tmp_path, *global_args, env=None):
    (tmp_path / 'docs').mkdir(exist_ok=True)
    (tmp_path / 'docs' / 'a.txt').write_text('rivers and banks')
    (tmp_path / 'docs' / 'b.xyz').write_text('not a document type')
    return cli.run(*global_args, 'ingest', 'kb', tmp_path / 'docs', '--embedder', 'hash', env=env)


def test_events_are_one_structured_line_each_on_stderr(cli, tmp_path):
    r = ingest_with_a_skip(cli, tmp_path)
    assert r.code == 0, r
    lines = r.err.splitlines()
    assert lines and all(LINE.match(l) for l in lines), r.err
    assert any(' level=warn event=ingest.skipped ' in l and 'b.xyz' in l for l in lines)
    assert any(' level=info event=ingest.done ' in l for l in lines)
    assert 'event=' not in r.out  # stdout is the result only


def test_levels_from_the_flag_and_the_environment(cli, tmp_path):
    r = ingest_with_a_skip(cli, tmp_path, '--log-level', 'error')
    assert r.code == 0 and r.err == '', r
    r = ingest_with_a_skip(cli, tmp_path, '--log-level=warn')
    assert r.code == 0 and 'event=ingest.skipped' in r.err and 'level=info' not in r.err, r
    r = ingest_with_a_skip(cli, tmp_path, env={'RAGDB_LOG': 'warn'})
    assert 'level=info' not in r.err and 'event=ingest.skipped' in r.err, r
    # The flag wins over the environment.
    r = ingest_with_a_skip(cli, tmp_path, '--log-level', 'info', env={'RAGDB_LOG': 'error'})
    assert 'level=info' in r.err, r


def test_bad_levels_are_usage_errors(cli):
    r = cli.run('--log-level', 'loud', 'list')
    assert r.code == 2 and "unknown log level 'loud'" in r.err, r
    r = cli.run('list', env={'RAGDB_LOG': 'chatty'})
    assert r.code == 2 and 'RAGDB_LOG' in r.err, r


def test_server_access_log_and_lifecycle_events(cli):
    s = Server(cli)
    s.request('GET', '/collections')
    err = s.stop()
    lines = [l for l in err.splitlines() if l]
    assert all(LINE.match(l) for l in lines), err
    assert any('event=serve.listening' in l and 'url=http://127.0.0.1:%d' % s.port in l
               for l in lines), err
    assert any('event=http.request' in l and 'path=/collections' in l and 'status=200' in l
               for l in lines), err
    assert any('event=serve.stopped' in l for l in lines), err


def test_server_is_quiet_at_warn(cli):
    s = Server(cli, '--log-level', 'warn')
    s.request('GET', '/collections')
    err = s.stop()
    assert err == '', err  # no info lines (no access log, no lifecycle) at warn
