"""Bad input raises a clear ragdb exception naming the problem and leaves the data intact;
embedded and over HTTP."""
import numpy as np
import pytest

import ragdb


@pytest.fixture
def col(store, name):
    c = store.create_collection(name, dim=4, metric="l2", text=True)
    c.upsert(ids=[1, 2], vectors=np.eye(2, 4, dtype=np.float32), payloads=[{"a": 1}, {"a": 2}],
             texts=["one", "two"])
    return c


def snapshot(c):
    return [(r.id, r.vector.tolist(), r.payload, r.text) for r in c.scroll(with_vectors=True)]


GOOD = np.ones((1, 4), np.float32)

BAD_UPSERTS = [
    # (keyword arguments, exception, words the message must contain)
    (dict(ids=[3], vectors=np.ones((1, 3), np.float32)), ragdb.InvalidArgument, "dimension"),
    (dict(ids=[3, 4], vectors=np.array([[1, 2, 3, np.nan], [1, 2, 3, 4]], np.float32)),
     ragdb.InvalidArgument, "NaN"),
    (dict(ids=[3], vectors=np.array([[1, 2, 3, np.inf]])), ragdb.InvalidArgument, ""),
    (dict(ids=[3], vectors=np.ones((1, 4), np.complex64)), ragdb.InvalidArgument, "dtype"),
    (dict(ids=[3], vectors=np.array([["a", "b", "c", "d"]])), ragdb.InvalidArgument, "dtype"),
    (dict(ids=[3], vectors=[[1, 2], [3]]), ragdb.InvalidArgument, "vectors"),
    (dict(ids=[3, 4], vectors=GOOD), ragdb.InvalidArgument, "1 rows for 2 ids"),
    (dict(ids=[3], vectors=np.ones((1, 1, 4), np.float32)), ragdb.InvalidArgument, "2-D"),
    (dict(ids=[-3], vectors=GOOD), ragdb.InvalidArgument, "negative"),
    (dict(ids=[3.5], vectors=GOOD), ragdb.InvalidArgument, "id"),
    (dict(ids="abc", vectors=GOOD), ragdb.InvalidArgument, "sequence"),
    (dict(ids=[3], vectors=GOOD, payloads=["x"]), ragdb.InvalidArgument, "payloads[0]"),
    (dict(ids=[3], vectors=GOOD, payloads=[{"a": 1}, {"a": 2}]), ragdb.InvalidArgument,
     "2 items for 1 ids"),
    (dict(ids=[3], vectors=GOOD, payloads=[{"when": object()}]), ragdb.InvalidArgument,
     "payloads[0]"),
    (dict(ids=[3], vectors=GOOD, texts=[7]), ragdb.InvalidArgument, "texts[0]"),
    (dict(ids=[3], vectors=GOOD, vector=GOOD), ragdb.InvalidArgument, "vector"),  # keyword
]


@pytest.mark.parametrize("kwargs,error,words", BAD_UPSERTS,
                         ids=[str(i) for i in range(len(BAD_UPSERTS))])
def test_bad_upserts(col, kwargs, error, words):
    before = snapshot(col)
    with pytest.raises(error) as e:
        col.upsert(**kwargs)
    assert words in str(e.value)
    assert snapshot(col) == before


def test_unknown_keyword_is_also_a_type_error(col):
    with pytest.raises(TypeError, match="kk"):
        col.search(vector=[1, 0, 0, 0], kk=3)
    with pytest.raises(ragdb.InvalidArgument, match="kk"):
        col.search(vector=[1, 0, 0, 0], kk=3)


BAD_SEARCHES = [
    (dict(vector=[1, 0, 0]), ragdb.InvalidArgument, "dimension"),
    (dict(vector=[1, 0, np.nan, 0]), ragdb.InvalidArgument, "NaN"),
    (dict(vector=np.ones(4, np.complex128)), ragdb.InvalidArgument, "dtype"),
    (dict(vector=[1, 0, 0, 0], k=-1), ragdb.InvalidArgument, "k"),
    (dict(vector=[1, 0, 0, 0], k="10"), ragdb.InvalidArgument, "k"),
    (dict(vector=[1, 0, 0, 0], filter="a ==="), ragdb.InvalidArgument, "filter"),
    (dict(vector=[1, 0, 0, 0], filter={"must": [{"key": "a", "mach": {}}]}),
     ragdb.InvalidArgument, "mach"),
    (dict(vector=[1, 0, 0, 0], filter=7), ragdb.InvalidArgument, "filter"),
    (dict(), ragdb.InvalidArgument, "query"),
    (dict(vector=[1, 0, 0, 0], using="nope"), ragdb.InvalidArgument, "nope"),
    (dict(vector=[1, 0, 0, 0], text="one", fusion="max"), ragdb.InvalidArgument, "fusion"),
]


@pytest.mark.parametrize("kwargs,error,words", BAD_SEARCHES,
                         ids=[str(i) for i in range(len(BAD_SEARCHES))])
def test_bad_searches(col, kwargs, error, words):
    with pytest.raises(error) as e:
        col.search(**kwargs)
    assert words in str(e.value)


def test_bad_batches(col):
    with pytest.raises(ragdb.InvalidArgument, match="dimension"):
        col.search_batch(np.ones((3, 5), np.float32))
    with pytest.raises(ragdb.InvalidArgument, match="query 2"):
        col.search_batch(np.array([[1, 0, 0, 0]] * 2 + [[np.nan, 0, 0, 0]], np.float32))
    with pytest.raises(ragdb.InvalidArgument, match="dtype"):
        col.search_batch(np.ones((2, 4), dtype="U1"))


def test_bad_names_and_schemas(store, name):
    with pytest.raises(ragdb.InvalidArgument, match="collection name"):
        store.create_collection("bad/name", dim=4)
    with pytest.raises(ragdb.InvalidArgument, match="metric"):
        store.create_collection(name, dim=4, metric="manhattan")
    with pytest.raises(ragdb.InvalidArgument, match="dimension"):
        store.create_collection(name, dim=0)
    with pytest.raises(ragdb.InvalidArgument, match="index type"):
        store.create_collection(name, dim=4, index="annoy")
    with pytest.raises(ragdb.InvalidArgument, match="at least one"):
        store.create_collection(name)
    assert name not in store.list_collections()
    with pytest.raises(ragdb.NotFound):
        store.get_collection(name)


def test_closed_database(tmp_path):
    db = ragdb.open(tmp_path / "db")
    col = db.create_collection("c", dim=2)
    db.close()
    db.close()  # idempotent
    with pytest.raises(ragdb.FailedPrecondition, match="closed"):
        col.count()
    with pytest.raises(ragdb.FailedPrecondition):
        db.list_collections()
    # the folder is free again
    with ragdb.open(tmp_path / "db") as again:
        assert again.list_collections() == ["c"]


def test_second_open_of_a_folder_fails(tmp_path):
    with ragdb.open(tmp_path / "db"):
        with pytest.raises(ragdb.Error, match="LOCK|lock|in use"):
            ragdb.open(tmp_path / "db")


def test_server_unreachable():
    client = ragdb.connect("http://127.0.0.1:1", timeout=2)
    with pytest.raises(ragdb.Unavailable, match="cannot reach"):
        client.list_collections()
    with pytest.raises(ragdb.InvalidArgument, match="url"):
        ragdb.connect("ftp://example.com")
