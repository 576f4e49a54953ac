"""A kill -9 of a Python process during upserts loses nothing it had acknowledged: upsert()
returning is the acknowledgement (the batch is fsynced). The writer prints each acknowledged
batch; the test kills it mid-stream, reopens the folder and finds every acknowledged record with
its vector and payload."""
import os
import signal
import subprocess
import sys
import textwrap

import numpy as np

import ragdb

WRITER = textwrap.dedent("""
    import sys, numpy as np, ragdb
    db = ragdb.open(sys.argv[1])
    col = db.create_collection("c", dim=16, metric="l2", text=True)
    batch = 0
    while True:
        ids = np.arange(batch * 50, batch * 50 + 50)
        vectors = np.random.default_rng(batch).standard_normal((50, 16)).astype(np.float32)
        col.upsert(ids=ids, vectors=vectors, payloads=[{"batch": batch}] * 50,
                   texts=[f"record {i}" for i in ids])
        print(batch, flush=True)        # acknowledged
        batch += 1
""")


def test_kill_9_during_upserts_loses_nothing_acknowledged(tmp_path):
    data = tmp_path / "db"
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(data)], stdout=subprocess.PIPE,
                            text=True, env=dict(os.environ))
    acked = []
    try:
        for line in proc.stdout:
            acked.append(int(line))
            if len(acked) == 40:  # well into the stream: upserts are in flight
                break
        os.kill(proc.pid, signal.SIGKILL)
        # batches acknowledged before the kill landed
        acked += [int(line) for line in proc.stdout]
    finally:
        proc.kill()
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert len(acked) >= 40
    with ragdb.open(data) as db:
        col = db.get_collection("c")
        for batch in acked:
            want = np.random.default_rng(batch).standard_normal((50, 16)).astype(np.float32)
            records = col.get(list(range(batch * 50, batch * 50 + 50)))
            assert len(records) == 50, batch
            np.testing.assert_array_equal(np.stack([r.vector for r in records]), want)
            assert all(r.payload == {"batch": batch} for r in records)
            assert records[7].text == f"record {batch * 50 + 7}"
        # an unacknowledged batch is all there or not at all (upserts are atomic)
        n = col.count()
        assert n % 50 == 0 and n // 50 in (len(acked), len(acked) + 1)
        assert col.search(vector=np.zeros(16), k=1)
