"""Issue 14, item 5: progress bars on a terminal, one summary line when piped, streamed import."""
import json
import math
import re
import struct


def write_fvecs(path, rows, dim, bad_last=False):
    with open(path, 'wb') as f:
        for i in range(rows):
            v = [float((i * 7 + k) % 13) for k in range(dim)]
            if bad_last and i == rows - 1:
                v[dim // 2] = math.nan
            f.write(struct.pack('<i%df' % dim, dim, *v))
    return path


def summary_lines(err, event):
    return [l for l in err.splitlines() if ' event=%s ' % event in l]


def test_import_piped_prints_one_summary_line(cli, tmp_path):
    path = write_fvecs(tmp_path / 'base.fvecs', 3000, 16)
    cli.ok('create', 'v', '--dim', '16', '--metric', 'l2')
    r = cli.ok('import', 'v', '--fvecs', path)
    assert json.loads(r.out)['imported'] == 3000
    assert '\r' not in r.err, r
    done = summary_lines(r.err, 'import.done')
    assert len(done) == 1 and ' rows=3000 ' in done[0], r
    assert len(r.err.splitlines()) == 1, r  # nothing else


def test_import_on_a_terminal_draws_a_bar(cli, tmp_path):
    path = write_fvecs(tmp_path / 'base.fvecs', 3000, 16)
    cli.ok('create', 'v', '--dim', '16', '--metric', 'l2')
    r = cli.run_tty('import', 'v', '--fvecs', path)
    assert r.code == 0, r
    assert re.search(r'\rimport \[[=> ]+\] +\d+% [\d,]+/3,000 rows', r.err), repr(r.err)
    assert 'event=import.done' in r.err


def test_import_checks_every_row_before_writing_any(cli, tmp_path):
    path = write_fvecs(tmp_path / 'bad.fvecs', 20000, 8, bad_last=True)
    cli.ok('create', 'v', '--dim', '8')
    r = cli.run('import', 'v', '--fvecs', path)
    assert r.code == 1 and 'row 19999 component 4 is NaN' in r.err, r
    assert cli.ok('count', 'v').out == '0\n'
    with open(path, 'ab') as f:
        f.write(b'\x08\x00')  # a torn last row
    r = cli.run('import', 'v', '--fvecs', path)
    assert r.code == 1 and 'truncated at row 20000' in r.err, r


def test_upsert_optimize_and_ingest_summaries(cli, tmp_path):
    cli.ok('create', 'items', '--dim', '3', '--index', 'hnsw')
    lines = ''.join('{"id": %d, "vector": [%d, 1, 0]}\n' % (i, i % 5) for i in range(2500))
    (tmp_path / 'items.jsonl').write_text(lines)
    r = cli.ok('upsert', 'items', tmp_path / 'items.jsonl')
    assert len(summary_lines(r.err, 'upsert.done')) == 1 and ' rows=2500 ' in r.err, r
    r = cli.ok('optimize', 'items')
    done = summary_lines(r.err, 'optimize.done')
    assert len(done) == 1 and 'optimized items: 2500 points in 1 segment(s)' in done[0], r
    cli.ok('create', 'fresh', '--dim', '3', '--index', 'hnsw')
    cli.ok('upsert', 'fresh', tmp_path / 'items.jsonl')
    r = cli.run_tty('optimize', 'fresh')
    assert r.code == 0 and '\roptimize ' in r.err and 'seal: ' in r.err, repr(r.err)
    (tmp_path / 'docs').mkdir()
    for i in range(3):
        (tmp_path / 'docs' / ('%d.txt' % i)).write_text('document number %d about rivers' % i)
    r = cli.ok('ingest', 'kb', tmp_path / 'docs', '--embedder', 'hash')
    done = summary_lines(r.err, 'ingest.done')
    assert len(done) == 1 and '3 added' in done[0] and ' documents=3 ' in done[0], r
    r = cli.run_tty('ingest', 'kb2', tmp_path / 'docs', '--embedder', 'hash')
    assert r.code == 0 and '\ringest ' in r.err and '/3 documents' in r.err, repr(r.err)


def test_log_level_warn_quiets_bars_and_summaries(cli, tmp_path):
    path = write_fvecs(tmp_path / 'base.fvecs', 100, 4)
    cli.ok('create', 'v', '--dim', '4')
    r = cli.run_tty('--log-level', 'warn', 'import', 'v', '--fvecs', path)
    assert r.code == 0 and r.err == '', repr(r.err)
