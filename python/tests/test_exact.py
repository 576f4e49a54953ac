"""Exact search equals numpy brute force: ids and scores, for each metric, single queries and
batches (blocked and GEMM paths), with and without a filter; HNSW recall against it."""
import numpy as np
import pytest

import ragdb

N, DIM, NQ, K = 3000, 24, 40, 10


def brute_force(x, q, metric, k):
    """(ids, scores) best first, as ragdb scores them: l2 = Euclidean distance, ip = dot,
    cosine = dot of unit vectors. Computed in float64."""
    x64, q64 = x.astype(np.float64), q.astype(np.float64)
    if metric == "l2":
        d = np.sqrt(np.maximum(((q64[:, None, :] - x64[None, :, :]) ** 2).sum(-1), 0))
        order = np.argsort(d, axis=1, kind="stable")[:, :k]
        return order, np.take_along_axis(d, order, 1)
    if metric == "cosine":
        x64 = x64 / np.linalg.norm(x64, axis=1, keepdims=True)
        q64 = q64 / np.linalg.norm(q64, axis=1, keepdims=True)
    s = q64 @ x64.T
    order = np.argsort(-s, axis=1, kind="stable")[:, :k]
    return order, np.take_along_axis(s, order, 1)


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(17)
    return rng.standard_normal((N, DIM)).astype(np.float32), \
        rng.standard_normal((NQ, DIM)).astype(np.float32)


@pytest.mark.parametrize("metric", ["l2", "ip", "cosine"])
def test_exact_equals_numpy(tmp_path, data, metric):
    x, q = data
    with ragdb.open(tmp_path / "db") as db:
        col = db.create_collection("c", dim=DIM, metric=metric)
        col.upsert(ids=np.arange(N), vectors=x, payloads=[{"odd": i % 2} for i in range(N)])
        want_ids, want_scores = brute_force(x, q, metric, K)
        # single queries
        for i in range(0, NQ, 4):
            hits = col.search(vector=q[i], k=K, with_payload=False)
            assert [h.id for h in hits] == want_ids[i].tolist()
            np.testing.assert_allclose([h.score for h in hits], want_scores[i],
                                       rtol=1e-4, atol=1e-4)
        # a batch (>= 8 queries: the GEMM path), in the sealed and in the growing segment
        for _ in range(2):
            ids, scores = col.search_batch(q, k=K, threads=2)
            np.testing.assert_array_equal(ids, want_ids)
            np.testing.assert_allclose(scores, want_scores, rtol=1e-4, atol=1e-4)
            col.optimize()
        # a filter: brute force over the rows that pass
        odd = np.arange(N)[np.arange(N) % 2 == 1]
        f_ids, f_scores = brute_force(x[odd], q, metric, K)
        ids, scores = col.search_batch(q, k=K, filter="odd == 1")
        np.testing.assert_array_equal(ids, odd[f_ids])
        np.testing.assert_allclose(scores, f_scores, rtol=1e-4, atol=1e-4)


def test_batches_larger_than_a_block(tmp_path):
    """search_batch hands queries to the engine in blocks; rows stay in order across blocks,
    and an error names the query by its row in the whole batch."""
    rng = np.random.default_rng(3)
    x = rng.standard_normal((300, 4)).astype(np.float32)
    q = rng.standard_normal((80_000, 4)).astype(np.float32)  # > one block of 2^18 floats
    with ragdb.open(tmp_path / "db") as db:
        col = db.create_collection("c", dim=4, metric="l2")
        col.upsert(ids=np.arange(300), vectors=x)
        ids, _ = col.search_batch(q, k=1, threads=2)
        sample = rng.choice(len(q), 200, replace=False)
        want, _ = brute_force(x, q[sample], "l2", 1)
        np.testing.assert_array_equal(ids[sample], want)
        q[70_001, 2] = np.nan
        with pytest.raises(ragdb.InvalidArgument, match="query 70001"):
            col.search_batch(q, k=1)


def test_hnsw_recall(tmp_path, data):
    x, q = data
    with ragdb.open(tmp_path / "db") as db:
        col = db.create_collection("c", dim=DIM, metric="l2", index="hnsw")
        col.upsert(ids=np.arange(N), vectors=x)
        col.optimize()
        assert any(s["indexes"] for s in col.info()["segments"])
        want, _ = brute_force(x, q, "l2", K)
        ids, _ = col.search_batch(q, k=K, ef=128)
        recall = np.mean([len(set(a) & set(b)) / K for a, b in zip(ids.tolist(), want.tolist())])
        assert recall >= 0.95
        exact, _ = col.search_batch(q, k=K, exact=True)
        np.testing.assert_array_equal(exact, want)
