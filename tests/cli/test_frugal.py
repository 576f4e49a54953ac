"""Frugal mode (issue 21): `--memory-limit` keeps a search of a collection twice the limit under
the limit, and `--read-only` opens a data folder without writing to it.

The collection is 40,000 x 1,024 float32 vectors (164 MB of vectors, ~209 MB on disk with the
HNSW graph and its 8-bit codes), searched with a 96 MiB limit. The peak is the process's own
VmHWM, which `ragdb search --queries` reports (a child's rusage would count the test's pages).
"""
import json
import os
import stat

import numpy as np
import pytest

N, DIM, QUERIES, K = 40000, 1024, 100, 10
LIMIT_MIB = 96


def write_vecs(path, x):
    out = np.empty((x.shape[0], x.shape[1] + 1), dtype=np.int32)
    out[:, 0] = x.shape[1]
    out[:, 1:] = np.ascontiguousarray(x).view(np.int32)
    out.tofile(path)


def read_ivecs(path):
    a = np.fromfile(path, dtype=np.int32)
    return a.reshape(-1, a[0] + 1)[:, 1:]


def files_state(root):
    """Every file and folder under root with its size and modification time."""
    state = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            p = os.path.join(dirpath, name)
            st = os.stat(p)
            state[os.path.relpath(p, root)] = (st.st_size, st.st_mtime_ns)
    return state


@pytest.fixture(scope='module')
def big(tmp_path_factory):
    from ragdb_cli import Cli
    tmp = tmp_path_factory.mktemp('frugal')
    cli = Cli(tmp)
    rng = np.random.default_rng(7)
    centres = rng.normal(size=(200, DIM)).astype(np.float32) * 2
    labels = rng.integers(0, 200, N + QUERIES)
    x = centres[labels] + rng.normal(size=(N + QUERIES, DIM)).astype(np.float32)
    write_vecs(tmp / 'base.fvecs', x[:N])
    write_vecs(tmp / 'queries.fvecs', np.tile(x[N:], (5, 1)))  # 500 searches
    unit = x / np.linalg.norm(x, axis=1, keepdims=True)
    truth = np.argsort(-(unit[N:] @ unit[:N].T), axis=1)[:, :K]
    cli.ok('create', 'big', '--dim', DIM, '--metric', 'cosine', '--index', 'hnsw', '--m', 12,
           '--ef-construction', 48, '--quantization', 'sq8')
    cli.ok('import', 'big', '--fvecs', tmp / 'base.fvecs')
    cli.ok('optimize', 'big')
    disk = sum(f.stat().st_size for f in cli.data.rglob('*') if f.is_file())
    assert disk >= 2 * LIMIT_MIB * 2**20, f'the collection ({disk} bytes) must be twice the limit'
    return cli, tmp, truth


def search(cli, tmp, *flags):
    out = tmp / 'found.ivecs'
    r = cli.ok(*flags, 'search', 'big', '--queries', tmp / 'queries.fvecs', '--k', K, '--ef', 64,
               '--threads', 1, '--out', out)
    return json.loads(r.out), read_ivecs(out)


def recall(found, truth):
    hits = sum(len(set(f[:K]) & set(truth[i % len(truth)][:K])) for i, f in enumerate(found))
    return hits / (len(found) * K)


def test_memory_limit_holds_on_a_collection_twice_its_size(big):
    cli, tmp, truth = big
    free, found_free = search(cli, tmp)
    capped, found_capped = search(cli, tmp, '--memory-limit', f'{LIMIT_MIB}M')
    # Without the limit the vectors end up resident; with it the peak stays under the limit.
    assert free['peak_resident_bytes'] > LIMIT_MIB * 2**20, free
    assert 0 < capped['peak_resident_bytes'] < LIMIT_MIB * 2**20, capped
    assert recall(found_capped, truth) >= 0.9
    assert recall(found_capped, truth) == recall(found_free, truth)  # same search, less memory
    print(f"frugal: peak {capped['peak_resident_bytes'] / 2**20:.1f} MiB with a "
          f"{LIMIT_MIB} MiB limit ({free['peak_resident_bytes'] / 2**20:.1f} MiB without), "
          f"{capped['qps']:.0f} vs {free['qps']:.0f} QPS, recall {recall(found_capped, truth):.3f}")


def test_read_only_folder_is_searched_and_never_written(big):
    cli, tmp, truth = big
    (cli.data / 'LOCK').unlink()  # as copied into an app bundle: no lock file
    before = files_state(cli.data)
    modes = {p: os.stat(os.path.join(cli.data, p)).st_mode for p in before}
    try:
        for p, mode in modes.items():
            os.chmod(os.path.join(cli.data, p), mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
        os.chmod(cli.data, os.stat(cli.data).st_mode & ~stat.S_IWUSR)
        result, found = search(cli, tmp, '--read-only', '--memory-limit', f'{LIMIT_MIB}M')
        assert recall(found, truth) >= 0.9
        assert result['peak_resident_bytes'] < LIMIT_MIB * 2**20
        record = json.dumps({'id': 1, 'vector': [0.5] * DIM})
        r = cli.run('--read-only', 'upsert', 'big', input=record + '\n')
        assert r.code != 0 and 'read-only' in r.err, r
        r = cli.run('--read-only', 'optimize', 'big')
        assert r.code != 0 and 'read-only' in r.err, r
        r = cli.run('--read-only', 'create', 'other', '--dim', 4)
        assert r.code != 0 and 'read-only' in r.err, r
        r = cli.run('--read-only', 'count', 'big')
        assert r.code == 0 and json.loads(r.out) == N, r
        assert files_state(cli.data) == before  # nothing created, changed or removed
    finally:
        os.chmod(cli.data, os.stat(cli.data).st_mode | stat.S_IWUSR)
        for p, mode in modes.items():
            os.chmod(os.path.join(cli.data, p), mode)


def test_memory_limit_sizes_are_checked(cli):
    r = cli.run('--memory-limit', 'lots', 'list')
    assert r.code == 2 and "--memory-limit 'lots' is not a size" in r.err, r
    r = cli.run('--memory-limit', '0', 'list')
    assert r.code == 2 and 'more than 0' in r.err, r
    r = cli.run('--memory-limit', '999999999999999G', 'list')  # would wrap past 2^64
    assert r.code == 2 and 'too large' in r.err, r
    cli.ok('--memory-limit', '512M', 'list')  # a valid size is accepted
    r = cli.run('--read-only', 'list', data=False, env={'RAGDB_DATA': str(cli.tmp / 'none')})
    assert r.code != 0 and 'no database' in r.err, r
