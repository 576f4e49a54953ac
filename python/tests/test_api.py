"""Every call of the API, against the embedded engine and against `ragdb serve` over HTTP."""
import numpy as np
import pytest

import ragdb
from conftest import is_http


def rows(n, dim, seed=0):
    return np.random.default_rng(seed).standard_normal((n, dim)).astype(np.float32)


def test_collections(store, name):
    col = store.create_collection(name, dim=8, metric="l2", index="hnsw",
                                  payload_indexes={"cat": "keyword", "price": "float"})
    assert col.name == name
    assert name in store.list_collections()
    schema = store.get_collection(name).schema
    assert schema["vectors"][0]["dim"] == 8
    assert schema["vectors"][0]["metric"] == "l2"
    assert schema["vectors"][0]["index"]["type"] == "hnsw"
    assert {p["path"]: p["type"] for p in schema["payload_indexes"]} == {
        "cat": "keyword", "price": "float"}
    with pytest.raises(ragdb.AlreadyExists):
        store.create_collection(name, dim=8)
    store.delete_collection(name)
    assert name not in store.list_collections()
    with pytest.raises(ragdb.NotFound):
        store.get_collection(name)
    with pytest.raises(ragdb.NotFound):
        store.delete_collection(name)


def test_upsert_get_count_delete(store, name):
    col = store.create_collection(name, dim=4, metric="cosine", text=True)
    x = rows(3, 4)
    col.upsert(ids=[1, 2, 3], vectors=x,
               payloads=[{"cat": "a", "n": 1}, {"cat": "b", "n": 2}, None],
               texts=["quick brown fox", None, "lazy dog"])
    assert len(col) == 3 and col.count() == 3
    assert col.count(filter='cat == "a"') == 1
    assert col.count(filter={"must": [{"key": "n", "range": {"gte": 1}}]}) == 2
    r = col.get(1)
    assert isinstance(r, ragdb.Record) and r.id == 1
    assert r.payload == {"cat": "a", "n": 1}
    assert r.text == "quick brown fox"
    # cosine vectors are stored normalized
    np.testing.assert_allclose(r.vector, x[0] / np.linalg.norm(x[0]), rtol=1e-5)
    assert r.vector.dtype == np.float32
    many = col.get([3, 99, 2], with_vectors=False)
    assert [m.id for m in many] == [3, 2]
    assert many[0].vector is None and many[0].payload == {}
    with pytest.raises(ragdb.NotFound):
        col.get(99)
    # replace by id
    col.upsert(ids=np.array([2]), vectors=x[:1], payloads=[{"cat": "c"}])
    assert col.get(2).payload == {"cat": "c"}
    assert col.delete(ids=[1, 42]) == 1
    assert col.delete(filter='cat == "c"') == 1
    assert col.count() == 1 and col.get(3).text == "lazy dog"
    with pytest.raises(ragdb.InvalidArgument):
        col.delete()


def test_search_filter_ef(store, name):
    col = store.create_collection(name, dim=16, metric="l2", index="hnsw",
                                  payload_indexes=["cat:keyword"])
    x = rows(200, 16, seed=1)
    col.upsert(ids=list(range(200)), vectors=x,
               payloads=[{"cat": "a" if i % 2 else "b", "i": i} for i in range(200)])
    col.optimize()  # builds the HNSW graph
    hits = col.search(vector=x[7], k=5, ef=64)
    assert isinstance(hits[0], ragdb.Hit)
    assert hits[0].id == 7 and hits[0].score == pytest.approx(0, abs=1e-4)
    assert hits[0].payload == {"cat": "a", "i": 7}
    assert [h.score for h in hits] == sorted(h.score for h in hits)  # l2: distances ascending
    filtered = col.search(vector=x[7], k=10, filter='cat == "b"', ef=64)
    assert len(filtered) == 10 and all(h.payload["cat"] == "b" for h in filtered)
    bare = col.search(x[7], 3, with_payload=False, with_vectors=True, exact=True)
    assert bare[0].payload is None
    np.testing.assert_allclose(bare[0].vector, x[7])
    page2 = col.search(vector=x[7], k=3, offset=3, exact=True)
    assert [h.id for h in page2] == [h.id for h in col.search(vector=x[7], k=6, exact=True)[3:]]
    within = col.search(vector=x[7], k=50, score_threshold=4.0, exact=True)
    assert all(h.score <= 4.0 for h in within)


def test_search_batch(store, name):
    col = store.create_collection(name, dim=8, metric="ip")
    x = rows(50, 8, seed=2)
    col.upsert(ids=list(range(50)), vectors=x)
    q = rows(20, 8, seed=3)
    ids, scores = col.search_batch(q, k=5, threads=2)
    assert ids.shape == (20, 5) and scores.shape == (20, 5)
    assert ids.dtype == np.int64 and scores.dtype == np.float32
    for i in range(20):
        hits = col.search(vector=q[i], k=5)
        assert ids[i].tolist() == [h.id for h in hits]
        np.testing.assert_allclose(scores[i], [h.score for h in hits], rtol=1e-5)
    # fewer hits than k: padded with -1 and the worst score
    ids, scores = col.search_batch(q[:2], k=60)
    assert (ids[:, 50:] == -1).all() and np.isneginf(scores[:, 50:]).all()
    e_ids, e_scores = col.search_batch(np.zeros((0, 8), np.float32), k=3)
    assert e_ids.shape == (0, 3)


def test_text_and_hybrid_search(store, name):
    col = store.create_collection(name, dim=4, metric="cosine", text=True)
    docs = ["the quick brown fox jumps", "a lazy dog sleeps", "quick thinking fox",
            "brown bread recipe"]
    x = rows(4, 4, seed=4)
    col.upsert(ids=[10, 11, 12, 13], vectors=x, texts=docs)
    text_hits = col.search(text="quick fox", k=10)
    assert {h.id for h in text_hits} == {10, 12}
    assert col.search(text="quick fox", k=1, with_text=True)[0].text in (docs[0], docs[2])
    fused = col.search(text="quick fox", vector=x[1], fusion="rrf", k=4)
    # RRF (k = 60): the dense nearest (11) and the BM25 hits share the top
    assert {h.id for h in fused[:3]} >= {11}
    assert {h.id for h in fused} >= {10, 11, 12}
    assert fused[0].score == pytest.approx(max(h.score for h in fused))
    weighted = col.search(text="quick fox", vector=x[1], fusion="weighted",
                          normalization="dbsf", k=4)
    assert len(weighted) == 4
    # the default fusion with two queries is RRF
    assert [h.id for h in col.search(text="quick fox", vector=x[1], k=4)] == [h.id for h in fused]


def test_embedder_near_text(store, name):
    # texts only: the field's embedder ("hash", offline) makes the vectors
    col = store.create_collection(name, dim=64, embedder="hash:64", text=True)
    assert col.schema["vectors"][0]["embedder"].startswith("hash")
    col.upsert(ids=[1, 2, 3], texts=["red apples and pears", "fast cars on a racetrack",
                                     "green apples in autumn"])
    assert col.get(1).vector.shape == (64,)
    hits = col.search(near_text="apples", k=2)
    assert {h.id for h in hits} == {1, 3}


def test_scroll(store, name):
    col = store.create_collection(name, dim=2, metric="l2")
    n = 25
    col.upsert(ids=list(range(n)), vectors=rows(n, 2), payloads=[{"i": i} for i in range(n)])
    got = list(col.scroll(batch=7))
    assert [r.id for r in got] == list(range(n))
    assert got[0].vector is None and got[3].payload == {"i": 3}
    assert [r.id for r in col.scroll(batch=4, filter="i >= 20", with_vectors=True)] == [
        20, 21, 22, 23, 24]
    assert next(iter(col.scroll(batch=3, with_vectors=True))).vector.shape == (2,)


def test_optimize_and_info(store, name):
    col = store.create_collection(name, dim=8, metric="l2", index="hnsw")
    col.upsert(ids=list(range(1300)), vectors=rows(1300, 8))
    col.delete(ids=list(range(100)))
    col.optimize()  # segments of 1,024 rows and more get their index
    info = col.info()
    assert info["points"] == 1200
    sealed = [s for s in info["segments"] if s["sealed"]]
    assert len(sealed) == 1 and sealed[0]["deleted"] == 0
    assert any(ix.startswith("hnsw") for ix in sealed[0]["indexes"])


def test_payload_updates(store, name):
    col = store.create_collection(name, dim=2)
    col.upsert(ids=[1, 2], vectors=rows(2, 2), payloads=[{"a": 1}, {"a": 2}])
    assert col.set_payload([1, 5], {"b": True}) == 1
    assert col.get(1).payload == {"a": 1, "b": True}
    assert col.set_payload(2, {"c": "x"}, merge=False) == 1
    assert col.get(2).payload == {"c": "x"}
    col.create_payload_index("c", "keyword")
    assert col.count(filter='c == "x"') == 1


def test_named_and_sparse_vectors(store, name):
    col = store.create_collection(name, vectors={"title": 4, "body": {"dim": 3, "metric": "l2"}},
                                  sparse_vectors=["kw"])
    t, b = rows(2, 4, 5), rows(2, 3, 6)
    col.upsert(ids=[1, 2], vectors={"title": t, "body": b},
               sparse_vectors=[{"kw": ([1, 7], [0.5, 2.0])}, {"kw": ([7], [1.0])}])
    r = col.get(1)
    assert set(r.vector) == {"title", "body"}
    np.testing.assert_allclose(r.vector["body"], b[0])
    assert r.sparse["kw"].indices.tolist() == [1, 7]
    assert col.search(vector=b[1], using="body", k=1)[0].id == 2
    hits = col.search(sparse=([7], [1.0]), k=2)
    assert [h.id for h in hits] == [1, 2] and hits[0].score == pytest.approx(2.0)


def test_multi_vector_fields(store, name):
    """Late-interaction fields: a matrix per record, MaxSim queries against numpy; exact and
    with the token index; bad shapes refused naming the field."""
    rng = np.random.default_rng(9)
    for index in ("flat", "hnsw"):
        col = store.create_collection(
            f"{name}_{index}", vectors={"dense": 4},
            multi_vectors={"colbert": {"dim": 8, "index": index}, "raw": {"dim": 3, "metric": "ip"}})
        schema = col.schema["multi_vectors"]
        assert [f["name"] for f in schema] == ["colbert", "raw"]
        assert schema[0].get("index", {}).get("type", "flat") == index
        n = 30
        mats = [rng.standard_normal((1 + i % 6, 8)).astype(np.float32) for i in range(n)]
        raws = [rng.standard_normal((2, 3)).astype(np.float32) for _ in range(n)]
        col.upsert(ids=list(range(1, n + 1)),
                   vectors={"dense": rows(n, 4, 3), "colbert": mats, "raw": raws},
                   payloads=[{"g": i % 2} for i in range(n)])
        unit = [m / np.linalg.norm(m, axis=1, keepdims=True) for m in mats]
        r = col.get(5)
        assert r.vector["colbert"].shape == (5, 8)  # id 5 holds mats[4]: 5 token vectors
        np.testing.assert_allclose(r.vector["colbert"], unit[4], atol=1e-6)  # stored unit length
        np.testing.assert_allclose(r.vector["raw"], raws[4])
        q = rng.standard_normal((3, 8)).astype(np.float32)
        qu = q / np.linalg.norm(q, axis=1, keepdims=True)
        want = sorted(((-(qu @ u.T).max(axis=1).sum(), i + 1) for i, u in enumerate(unit)))[:5]
        hits = col.search(vector=q, using="colbert", k=5)
        assert [h.id for h in hits] == [i for _, i in want]
        assert [h.score for h in hits] == pytest.approx([-s for s, _ in want], abs=1e-4)
        only_even = col.search(vector=q, using="colbert", k=3, filter="g == 0")
        assert only_even and all(h.id % 2 == 1 for h in only_even)  # ids i + 1 with g = i % 2
        best = max(range(n), key=lambda i: (raws[7] @ raws[i].T).max(axis=1).sum()) + 1
        hits = col.search(vector=raws[7], using="raw", k=1, with_vectors=True)  # dot products
        assert hits[0].id == best and hits[0].vector["raw"].shape == (2, 3)
        with pytest.raises(ragdb.InvalidArgument, match="colbert"):
            col.upsert(ids=[99], vectors={"colbert": rows(1, 8)[0]})
        with pytest.raises(ragdb.InvalidArgument, match="dimension|2-D"):
            col.search(vector=q[0], using="colbert")
        assert col.count() == n


def test_uuid_ids(store, name):
    # Strings that are UUIDs are ids everywhere (HTTP, like Qdrant, takes no other strings).
    col = store.create_collection(name, dim=2)
    u = ["0b4a3b7e-6c1d-4f0e-9a51-3f7e2a9c1d20", "9f1c2d3e-4b5a-6978-8a9b-0c1d2e3f4a5b"]
    col.upsert(ids=u, vectors=rows(2, 2))
    assert col.get(u[1]).id == u[1]
    ids, _ = col.search_batch(rows(1, 2), k=2)
    assert ids.dtype == object and set(ids[0]) == set(u)


def test_string_ids_embedded(tmp_path):
    with ragdb.open(tmp_path / "db") as db:
        col = db.create_collection("c", dim=2)
        col.upsert(ids=["doc-1", 7], vectors=rows(2, 2))
        assert {r.id for r in col.scroll()} == {"doc-1", 7}
        ids, _ = col.search_batch(rows(3, 2), k=2)
        assert ids.dtype == object and set(ids[0]) == {"doc-1", 7}


def test_embedded_and_http_agree(tmp_path, server, name):
    """The same data and queries give the same answers through both."""
    x, q = rows(300, 12, seed=7), rows(16, 12, seed=8)
    words = ["alpha", "beta", "gamma", "delta", "omega"]
    texts = [" ".join(words[j] for j in range(5) if (i >> j) & 1) or "none" for i in range(300)]
    payloads = [{"g": i % 3} for i in range(300)]
    results = []
    with ragdb.open(tmp_path / "db") as db:
        for store in (db, ragdb.connect(server.url)):
            col = store.create_collection(name, dim=12, metric="cosine", text=True)
            col.upsert(ids=list(range(300)), vectors=x, payloads=payloads, texts=texts)
            out = [col.search(vector=q[0], k=10, filter="g != 1"),
                   col.search(text="beta gamma", k=10),
                   col.search(text="beta gamma", vector=q[1], k=10, fusion="rrf"),
                   col.search(vector=q[2], text="omega", fusion="rrf", rrf_k=10, k=5),
                   col.search_batch(q, k=7),
                   col.count(filter="g == 2"),
                   [r.id for r in col.scroll(batch=50, filter="g == 0")]]
            results.append(out)
    emb, web = results
    for a, b in zip(emb[:4], web[:4]):
        assert [h.id for h in a] == [h.id for h in b]
        np.testing.assert_allclose([h.score for h in a], [h.score for h in b], rtol=1e-5)
    np.testing.assert_array_equal(emb[4][0], web[4][0])
    np.testing.assert_allclose(emb[4][1], web[4][1], rtol=1e-5)
    assert emb[5:] == web[5:]


def test_weighted_rrf_is_embedded_only(server, name):
    col = ragdb.connect(server.url).create_collection(name, dim=2, text=True)
    col.upsert(ids=[1], vectors=rows(1, 2), texts=["a"])
    with pytest.raises(ragdb.Unimplemented, match="weights"):
        col.search(vector=[1, 0], text="a", weights=[2, 1])


def test_same_signatures():
    """A program moves from embedded to server by changing one line: same methods, same
    parameters."""
    import inspect
    pairs = [(ragdb.Database, ragdb.Client), (ragdb.Collection, ragdb.RemoteCollection),
             (ragdb.KnowledgeBase, ragdb.RemoteKnowledgeBase)]
    for local, remote in pairs:
        public = {n for n in vars(local) if not n.startswith("_")}
        assert public - {"path"} <= set(dir(remote)), (local, remote)
        for n in public:
            f = getattr(local, n)
            if callable(f) and not isinstance(vars(local)[n], property):
                a, b = inspect.signature(f), inspect.signature(getattr(remote, n))
                assert list(a.parameters.values()) == list(b.parameters.values()), n
