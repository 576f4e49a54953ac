"""float32 C-contiguous arrays are read without a copy; other dtypes and layouts are converted
once. Checked two ways: numpy's allocations during the call (tracemalloc sees them), and the
process's peak resident memory during a search_batch of a large query matrix."""
import os
import subprocess
import sys
import textwrap
import tracemalloc

import numpy as np
import pytest

import ragdb

MB = 1 << 20


def numpy_peak(fn):
    """Peak bytes Python (numpy included) allocated while fn ran."""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        fn()
        return tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()


@pytest.fixture
def col(tmp_path):
    db = ragdb.open(tmp_path / "db", sync_writes=False)
    yield db.create_collection("c", dim=256, metric="l2")
    db.close()


def test_upsert_reads_float32_in_place(col):
    x = np.random.default_rng(0).standard_normal((20_000, 256)).astype(np.float32)  # 20 MB
    ids = np.arange(len(x))
    assert numpy_peak(lambda: col.upsert(ids=ids, vectors=x)) < MB
    # float64 is converted once (one float32 copy), a Fortran-order array too
    assert numpy_peak(lambda: col.upsert(ids=ids, vectors=x.astype(np.float64))) >= x.nbytes
    fortran = np.asfortranarray(x)
    assert numpy_peak(lambda: col.upsert(ids=ids, vectors=fortran)) >= x.nbytes
    assert col.count() == len(x)


def test_search_reads_float32_in_place(col):
    rng = np.random.default_rng(1)
    col.upsert(ids=np.arange(100), vectors=rng.standard_normal((100, 256)).astype(np.float32))
    q = rng.standard_normal((20_000, 256)).astype(np.float32)
    assert numpy_peak(lambda: col.search_batch(q, k=5)) < 2 * MB  # the two (nq, 5) results
    assert numpy_peak(lambda: col.search_batch(q.astype(np.float64), k=5)) >= q.nbytes
    assert numpy_peak(lambda: col.search(vector=q[3], k=5)) < 64 * 1024


PEAK_SCRIPT = textwrap.dedent("""
    import json, sys, numpy as np, ragdb

    def status():
        out = {}
        for line in open("/proc/self/status"):
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out[key] = int(value.split()[0]) * 1024
        return out

    db = ragdb.open(sys.argv[1], sync_writes=False)
    col = db.create_collection("c", dim=128, metric="l2")
    rng = np.random.default_rng(2)
    col.upsert(ids=np.arange(64), vectors=rng.standard_normal((64, 128)).astype(np.float32))
    q = rng.standard_normal((int(sys.argv[3]), 128)).astype(sys.argv[2])
    col.search_batch(q[:64], k=10)          # warm up (thread pools, BLAS buffers)
    open("/proc/self/clear_refs", "w").write("5")   # peak RSS := current RSS
    before = status()["VmRSS"]
    ids, scores = col.search_batch(q, k=10, threads=2)
    # what the call added to the peak, beyond the two result arrays it returns
    print(status()["VmHWM"] - before - ids.nbytes - scores.nbytes)
""")


@pytest.mark.skipif(not os.path.exists("/proc/self/clear_refs"), reason="needs Linux")
def test_search_batch_peak_memory(tmp_path):
    """What a search_batch adds to the process's peak memory (binding and engine) does not grow
    with the query matrix: no copy of it is made. A float64 matrix costs one float32 copy."""
    def extra(dtype, nq):
        out = subprocess.run([sys.executable, "-c", PEAK_SCRIPT, str(tmp_path / f"{dtype}{nq}"),
                              dtype, str(nq)], check=True, capture_output=True, text=True)
        return int(out.stdout)

    small, large = extra("float32", 50_000), extra("float32", 150_000)
    grown = 100_000 * 128 * 4  # 51 MB more queries
    assert large - small < 0.1 * grown, (small, large)
    assert extra("float64", 50_000) - small >= 0.9 * 50_000 * 128 * 4
