"""The same API over HTTP: ragdb.connect(url, api_key=) -> Client, whose collections and
knowledge bases behave like the embedded ones (ragdb/embedded.py), so a program moves from
embedded to server by changing one line.

It speaks ragdb's Qdrant-compatible REST API (docs/server.md) for points and searches, the
/ragdb/kb endpoints for knowledge bases, and /ragdb/collections for what Qdrant's API cannot say
(ragdb schemas, optimize). Pure Python: http.client and json from the standard library.

Differences from the embedded engine, each raising ragdb.Unimplemented rather than doing
something else: ids are ints or UUID strings (Qdrant's rule); fusion="weighted" needs
normalization="dbsf" and no weights (Qdrant's DBSF); all_terms; llm= for ask (the server's LLM
answers); recovery_notes. Counts returned by delete and set_payload are taken just before the
write.
"""
import concurrent.futures
import http.client
import json
import os
import threading
import urllib.parse
import uuid

import numpy as np

from . import _args, _schema
from .errors import (DeadlineExceeded, Error, Internal, InvalidArgument, NotFound, Unavailable,
                     Unimplemented, for_http_status)
from .types import (Answer, Chunk, Hit, IngestResult, IngestSummary, Record, SparseVector)
from .embedded import _check_same_options, _kb_options, _retrieve_options


def connect(url="http://127.0.0.1:6333", api_key=None, *, timeout=60.0):
    """A client of the ragdb server at `url` (http or https). api_key: sent as `api-key` (any
    key of the server's tenants; none in local mode). timeout: seconds per request."""
    return Client(url, api_key=api_key, timeout=timeout)


class _Transport:
    """Keep-alive connections (one per thread) and the server's JSON envelope."""

    def __init__(self, url, api_key, timeout):
        u = urllib.parse.urlsplit(url)
        if u.scheme not in ("http", "https") or not u.hostname:
            raise InvalidArgument(f"url: expected http://host:port or https://..., got {url!r}")
        self.url = url.rstrip("/")
        self._scheme, self._host = u.scheme, u.hostname
        self._port = u.port or (443 if u.scheme == "https" else 80)
        self._prefix = u.path.rstrip("/")
        self._headers = {"api-key": api_key} if api_key else {}
        self._timeout = timeout
        self._local = threading.local()

    def _connection(self):
        c = getattr(self._local, "conn", None)
        if c is None:
            cls = (http.client.HTTPSConnection if self._scheme == "https"
                   else http.client.HTTPConnection)
            c = self._local.conn = cls(self._host, self._port, timeout=self._timeout)
        return c

    def close(self):
        c = getattr(self._local, "conn", None)
        if c is not None:
            c.close()
            self._local.conn = None

    def request(self, method, path, body=None, *, content_type="application/json"):
        """Sends a request; returns the HTTP response (status 2xx) or raises the ragdb error the
        server answered with. `body`: a JSON-able value, or bytes sent as they are."""
        if body is not None and not isinstance(body, bytes):
            body = _dumps(body, "request").encode()
        headers = dict(self._headers)
        if body is not None:
            headers["Content-Type"] = content_type
        for attempt in (0, 1):
            conn = self._connection()
            reused = conn.sock is not None
            try:
                conn.request(method, self._prefix + path, body=body, headers=headers)
                response = conn.getresponse()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError,
                    http.client.ImproperConnectionState) as e:
                self.close()
                # A kept-alive connection the server had closed (or one left mid-response by
                # an exception): send once more on a new one.
                if attempt == 0 and reused:
                    continue
                raise Unavailable(f"{self.url}: {e!r}") from None
            except TimeoutError as e:
                self.close()
                raise DeadlineExceeded(f"{self.url}: no answer in {self._timeout} s") from e
            except OSError as e:
                self.close()
                raise Unavailable(f"cannot reach {self.url}: {e}") from None
        if response.status >= 300:
            data = response.read()
            raise for_http_status(response.status)(_error_message(response.status, data))
        return response

    def call(self, method, path, body=None, **kw):
        """The envelope's "result"."""
        response = self.request(method, path, body, **kw)
        data = response.read()
        try:
            return json.loads(data)["result"]
        except (ValueError, KeyError, TypeError):
            raise Internal(f"{method} {path}: unexpected answer {data[:200]!r}") from None


def _dumps(value, what):
    """JSON text; what JSON cannot carry (NaN, infinities, other types) is InvalidArgument."""
    try:
        return json.dumps(value, allow_nan=False, separators=(",", ":"))
    except ValueError:
        raise InvalidArgument(f"{what}: NaN or infinite numbers cannot be stored") from None
    except TypeError as e:
        raise InvalidArgument(f"{what}: {e} (use dict, list, str, int, float, bool or None)") \
            from None


def _error_message(status, data):
    try:
        j = json.loads(data)
        if isinstance(j.get("status"), dict) and "error" in j["status"]:
            return j["status"]["error"]
        if isinstance(j.get("error"), dict):  # OpenAI-shaped errors
            return j["error"].get("message", str(j))
    except (ValueError, AttributeError):
        pass
    return f"HTTP {status}: {data[:500].decode('utf-8', 'replace')}"


def _q(segment):
    return urllib.parse.quote(str(segment), safe="")


def _filter(f):
    """Filters travel as they are: an expression string or a Qdrant filter dict."""
    if f is None or isinstance(f, (str, dict)):
        return f
    raise InvalidArgument(f"filter: expected an expression (str) or a Qdrant-style filter "
                          f"(dict), got {type(f).__name__}")


def _id(x, what="id"):
    if not _args.is_single_id(x):
        raise InvalidArgument(f"{what}: an id is an int >= 0 or a str, got {type(x).__name__}")
    if isinstance(x, str):
        return x
    n = int(x)
    if n < 0:
        raise InvalidArgument(f"{what}: point id must not be negative")
    return n


def _ids(xs, what="ids"):
    if isinstance(xs, (str, bytes, dict)):
        raise InvalidArgument(f"{what}: expected a sequence of ids, got {type(xs).__name__}")
    if isinstance(xs, np.ndarray):
        if xs.ndim != 1:
            raise InvalidArgument(f"{what}: expected a 1-D array of ids")
        xs = xs.tolist()
    try:
        xs = list(xs)
    except TypeError:
        raise InvalidArgument(f"{what}: expected a sequence of ids, got "
                              f"{type(xs).__name__}") from None
    return [_id(x, f"{what}[{i}]") for i, x in enumerate(xs)]


def _matrix(x, what, rows=None, row_name="row"):
    """A 2-D float32 array of finite numbers (as the embedded engine reads it); one row for a
    1-D array. JSON cannot carry NaN: a row with one is named here, as the engine would."""
    if isinstance(x, np.ndarray) and x.dtype.kind not in "fiub":
        raise InvalidArgument(f"{what}: expected real numbers, got an array of dtype {x.dtype}")
    try:
        a = np.asarray(x, dtype=np.float32)
    except (ValueError, TypeError) as e:
        raise InvalidArgument(f"{what}: cannot be read as float32 numbers ({e})") from None
    if a.ndim == 1:
        a = a.reshape(1, -1)
    if a.ndim != 2:
        raise InvalidArgument(f"{what}: expected a 2-D array (one row per vector), got "
                              f"{a.ndim} dimensions")
    if rows is not None and a.shape[0] != rows:
        raise InvalidArgument(f"{what}: {a.shape[0]} rows for {rows} ids")
    bad = np.flatnonzero(~np.isfinite(a).all(axis=1))
    if len(bad):
        raise InvalidArgument(f"{row_name} {bad[0]}: a vector has a NaN or infinite component")
    return a


def _vector(x, what):
    a = _matrix(x, what, row_name=what)
    if a.shape[0] != 1:
        raise InvalidArgument(f"{what}: expected a 1-D array, got shape {a.shape}")
    return a[0].tolist()


def _sparse(x, what):
    if isinstance(x, dict) and set(x) == {"indices", "values"}:
        indices, values = x["indices"], x["values"]
    elif isinstance(x, tuple) and len(x) == 2:
        indices, values = x
    else:
        raise InvalidArgument(f"{what}: a sparse vector is (indices, values) or a dict of them")
    indices = [int(i) for i in np.asarray(indices).ravel()]
    values = _vector(values, f"{what}.values")
    if len(indices) != len(values):
        raise InvalidArgument(f"{what}: {len(indices)} indices for {len(values)} values")
    return {"indices": indices, "values": values}


def _multi(m, what):
    a = np.asarray(m, dtype=np.float32)
    if a.ndim != 2:
        raise InvalidArgument(f"{what}: a multi-vector is a 2-D array (one row per vector), got "
                              f"{a.ndim} dimensions")
    if not np.isfinite(a).all():
        raise InvalidArgument(f"{what}: components must be finite")
    return a.tolist()


def _vector_out(v):
    if v is None:
        return None
    if isinstance(v, list):
        return np.asarray(v, dtype=np.float32)
    dense = {k: np.asarray(x, dtype=np.float32) for k, x in v.items() if isinstance(x, list)}
    return dense or None


def _sparse_out(v):
    if not isinstance(v, dict):
        return None
    out = {k: SparseVector(np.asarray(x["indices"], dtype=np.uint32),
                           np.asarray(x["values"], dtype=np.float32))
           for k, x in v.items() if isinstance(x, dict)}
    return out or None


def _record(p):
    return Record(p["id"], _vector_out(p.get("vector")), p.get("payload"), p.get("text"),
                  _sparse_out(p.get("vector")))


def _hit(p):
    return Hit(p["id"], p["score"], p.get("payload"), _vector_out(p.get("vector")),
               p.get("text"))


@_args.strict
class Client:
    """A ragdb server: the methods of ragdb.Database, over HTTP. Safe to share between threads
    (each thread keeps its own connection)."""

    def __init__(self, url, *, api_key=None, timeout=60.0):
        self._t = _Transport(url, api_key, timeout)

    @property
    def url(self) -> str:
        return self._t.url

    def create_collection(self, name, dim=None, metric=None, index="flat", *, datatype="float32",
                          m=None, ef_construction=None, nlist=None, pq_m=None,
                          quantization="none", text=False, embedder=None, payload_indexes=None,
                          vectors=None, sparse_vectors=None, multi_vectors=None, schema=None):
        if schema is None:
            schema = _schema.build(dim, metric, index, datatype, m, ef_construction, nlist, pq_m,
                                   quantization, text, embedder, payload_indexes, vectors,
                                   sparse_vectors, multi_vectors)
        name = _args.text("name", name)
        self._t.call("PUT", f"/ragdb/collections/{_q(name)}", schema)
        return RemoteCollection(self._t, name)

    def get_collection(self, name):
        name = _args.text("name", name)
        col = RemoteCollection(self._t, name)
        col.info()  # NotFound when there is none
        return col

    def list_collections(self):
        return [c["name"] for c in self._t.call("GET", "/collections")["collections"]]

    def delete_collection(self, name):
        self._t.call("DELETE", f"/ragdb/collections/{_q(_args.text('name', name))}")

    def knowledge_base(self, name, *, chunk_size=None, overlap=None, mode=None, parent_size=None,
                       embedder=None, sparse_embedder=None):
        name = _args.text("name", name)
        options = _kb_options(chunk_size, overlap, mode, parent_size, embedder, sparse_embedder)
        try:
            info = self._t.call("GET", f"/ragdb/kb/{_q(name)}")
        except NotFound:
            body = {"name": name, **{k: v for k, v in options.items() if v is not None}}
            try:
                info = self._t.call("POST", "/ragdb/kb", body)
            except Error as e:
                if e.code != "AlreadyExists":  # created meanwhile by another client
                    raise
                info = self._t.call("GET", f"/ragdb/kb/{_q(name)}")
        _check_same_options(name, info["options"], options)
        return RemoteKnowledgeBase(self._t, name, info["options"])

    def list_knowledge_bases(self):
        return [kb["name"] for kb in self._t.call("GET", "/ragdb/kb")["knowledge_bases"]]

    def delete_knowledge_base(self, name):
        self._t.call("DELETE", f"/ragdb/kb/{_q(_args.text('name', name))}")

    def recovery_notes(self):
        raise Unimplemented("recovery notes are in the server's log, not over HTTP")

    def close(self):
        """Closes this thread's connection (others close when their threads end)."""
        self._t.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __repr__(self):
        return f"ragdb.Client({self.url!r})"


@_args.strict
class RemoteCollection:
    """A collection on a ragdb server: the methods of ragdb.Collection, over HTTP."""

    def __init__(self, transport, name):
        self._t = transport
        self._name = name
        self._path = f"/collections/{_q(name)}"
        self._schema = None

    @property
    def name(self) -> str:
        return self._name

    @property
    def schema(self) -> dict:
        return self.info()["schema"]

    def _cached_schema(self):
        if self._schema is None:
            self._schema = self.schema
        return self._schema

    def _multi_field(self, using):
        for f in self._cached_schema().get("multi_vectors", []):
            if f["name"] == (using or ""):
                return f
        return None

    def _field(self, using):
        for f in self._cached_schema()["vectors"]:
            if f["name"] == (using or ""):
                return f
        raise InvalidArgument(f"collection '{self._name}' has no vector field '{using or ''}'")

    def info(self):
        return self._t.call("GET", f"/ragdb/collections/{_q(self._name)}")

    def upsert(self, ids, vectors=None, payloads=None, texts=None, *, sparse_vectors=None,
               using=None):
        ids = _ids(ids)
        n = len(ids)
        using = _args.text("using", using, True) or ""
        dense = {}
        def rows(arr, name, what):
            if self._multi_field(name) is None:
                return _matrix(arr, what, n).tolist()
            # A multi-vector field: one matrix per id.
            if not isinstance(arr, (list, tuple)) or len(arr) != n:
                raise InvalidArgument(f"{what}: a multi-vector field takes a list of {n} "
                                      "matrices, one per id")
            return [_multi(m, f"{what}[{i}]") for i, m in enumerate(arr)]

        if isinstance(vectors, dict):
            for name, arr in vectors.items():
                dense[name] = rows(arr, name, f"vectors['{name}']")
        elif vectors is not None:
            dense[using] = rows(vectors, using, "vectors")
        payloads = _per_record(payloads, "payloads", n)
        texts = _per_record(texts, "texts", n)
        sparse = _per_record(sparse_vectors, "sparse_vectors", n)
        points = []
        for i, pid in enumerate(ids):
            vec = {name: rows[i] for name, rows in dense.items()}
            if sparse[i] is not None:
                if not isinstance(sparse[i], dict):
                    raise InvalidArgument(f"sparse_vectors[{i}]: expected a dict of field name "
                                          "-> sparse vector")
                for name, sv in sparse[i].items():
                    vec[name] = _sparse(sv, f"sparse_vectors[{i}].{name}")
            if texts[i] is not None:
                # The record's text travels as Qdrant's BM25 document; the server stores it as
                # the record's text (embedded by a field's embedder, indexed for BM25).
                vec[self._text_key(vec)] = {"text": _args.text(f"texts[{i}]", texts[i]),
                                            "model": "qdrant/bm25"}
            point = {"id": pid, "vector": vec[""] if list(vec) == [""] else vec}
            if payloads[i] is not None:
                if not isinstance(payloads[i], dict):
                    raise InvalidArgument(f"payloads[{i}]: expected a dict, got "
                                          f"{type(payloads[i]).__name__}")
                _dumps(payloads[i], f"payloads[{i}]")  # names the record on a bad value
                point["payload"] = payloads[i]
            points.append(point)
        self._t.call("PUT", f"{self._path}/points?wait=true", {"points": points})

    def _text_key(self, vec):
        key = "text"
        while key in vec:
            key = "_" + key
        return key

    def import_vectors(self, vectors, first_id=0, *, using=None):
        a = _matrix(vectors, "vectors")
        first_id = _args.uint("first_id", first_id)
        step = max(1, (4 << 20) // (a.shape[1] * 12 + 16))  # ~4 MB of JSON per request
        for start in range(0, a.shape[0], step):
            block = a[start:start + step]
            self.upsert(list(range(first_id + start, first_id + start + len(block))), block,
                        using=using)

    def search(self, vector=None, k=10, filter=None, ef=0, *, text=None, near_text=None,
               sparse=None, fusion=None, weights=None, rrf_k=60, normalization="minmax",
               prefetch=0, nprobe=0, exact=False, offset=0, score_threshold=None,
               with_payload=True, with_vectors=False, with_text=False, using=None,
               sparse_using=None, all_terms=False, phrase=False):
        k, offset = _args.uint("k", k), _args.uint("offset", offset)
        ef, nprobe = _args.uint("ef", ef), _args.uint("nprobe", nprobe)
        if all_terms:
            raise Unimplemented("all_terms is not available over HTTP (Qdrant's BM25 query has "
                                "no AND mode)")
        subs = []  # in the order text, dense, sparse, as the embedded engine
        if text is not None:
            query = f'"{_args.text("text", text)}"' if phrase else _args.text("text", text)
            subs.append({"query": {"text": query, "model": "qdrant/bm25"}})
        if vector is not None or near_text is not None:
            if vector is not None and near_text is not None:
                raise InvalidArgument("give `vector` or `near_text`, not both")
            using = _args.text("using", using, True) or ""
            if vector is not None and self._multi_field(using) is not None:
                q = _multi(vector, "vector")  # a query matrix: MaxSim
            elif vector is not None:
                q = _vector(vector, "vector")
            else:
                # Qdrant's inference document, naming the field's own embedder.
                field = self._multi_field(using) or self._field(using)
                q = {"text": _args.text("near_text", near_text),
                     "model": field.get("embedder", "")}
            sub = {"query": q, "using": using}
            params = {k2: v for k2, v in (("hnsw_ef", ef), ("nprobe", nprobe)) if v}
            if exact:
                params["exact"] = True
            if params:
                sub["params"] = params
            if score_threshold is not None:
                sub["score_threshold"] = float(score_threshold)
            subs.append(sub)
        if sparse is not None:
            subs.append({"query": _sparse(sparse, "sparse"), "using": self._sparse_field(
                _args.text("sparse_using", sparse_using, True))})
        if not subs:
            raise InvalidArgument("give a `vector`, `near_text`, `text` or `sparse` query")
        out = {"limit": k, "offset": offset, "with_payload": bool(with_payload),
               "with_vector": bool(with_vectors)}
        if with_text:
            out["with_text"] = True
        if filter is not None:
            out["filter"] = _filter(filter)
        if len(subs) == 1 and fusion is None:
            out.update(subs[0])
        else:
            if score_threshold is not None:
                raise InvalidArgument("score_threshold applies to a vector search alone")
            limit = _args.uint("prefetch", prefetch) or max(100, k + offset)
            for s in subs:
                s["limit"] = limit
            out["prefetch"] = subs
            out["query"] = self._fusion(fusion, weights, rrf_k, normalization)
        if not out.get("offset"):
            out.pop("offset")
        return [_hit(p) for p in self._t.call("POST", f"{self._path}/points/query",
                                              out)["points"]]

    def _fusion(self, fusion, weights, rrf_k, normalization):
        fusion = _args.text("fusion", fusion, True) or "rrf"
        if fusion == "rrf":
            if weights is not None:
                raise Unimplemented("over HTTP, RRF takes no weights (Qdrant weights RRF as "
                                    "1 / (rank / w + k - 1), not w / (rank + k))")
            if float(rrf_k) != int(rrf_k) or rrf_k < 0:
                raise Unimplemented("over HTTP, rrf_k must be a whole number >= 0")
            # Qdrant's RRF term is 1 / (rank + k - 1), the engine's 1 / (rank + k): sending
            # k + 1 gives the embedded engine's scores.
            return {"rrf": {"k": int(rrf_k) + 1}}
        if fusion == "weighted":
            if normalization == "dbsf" and weights is None:
                return {"fusion": "dbsf"}
            raise Unimplemented("over HTTP, fusion=\"weighted\" needs normalization=\"dbsf\" "
                                "and no weights (Qdrant's DBSF fusion)")
        raise InvalidArgument(f"fusion: expected \"rrf\" or \"weighted\", got \"{fusion}\"")

    def _sparse_field(self, given):
        if given:
            return given
        fields = self._cached_schema()["sparse_vectors"]
        if len(fields) != 1:
            raise InvalidArgument(f"sparse_using: required (the collection has {len(fields)} "
                                  "sparse vector fields)")
        return fields[0]["name"]

    def search_batch(self, queries, k=10, threads=0, *, filter=None, ef=0, nprobe=0, exact=False,
                     using=None):
        """As the embedded one; queries go in requests of 256, on `threads` connections at
        once (0 = one)."""
        q = _matrix(queries, "queries", row_name="query")
        k, threads = _args.uint("k", k), _args.uint("threads", threads)
        using = _args.text("using", using, True) or ""
        distances = self._field(using).get("metric") in ("l2", "hamming")
        params = {k2: v for k2, v in (("hnsw_ef", _args.uint("ef", ef)),
                                      ("nprobe", _args.uint("nprobe", nprobe))) if v}
        if exact:
            params["exact"] = True
        base = {"using": using, "limit": k, "with_payload": False}
        if params:
            base["params"] = params
        if filter is not None:
            base["filter"] = _filter(filter)
        ids = np.full((q.shape[0], k), -1, dtype=np.int64)
        objects = None
        scores = np.full((q.shape[0], k), np.inf if distances else -np.inf, dtype=np.float32)
        block = 256

        def run(start):
            body = {"searches": [dict(base, query=row) for row in
                                 q[start:start + block].tolist()]}
            return start, self._t.call("POST", f"{self._path}/points/query/batch", body)

        starts = range(0, q.shape[0], block)
        if threads > 1:
            with concurrent.futures.ThreadPoolExecutor(threads) as pool:
                answers = list(pool.map(run, starts))
        else:
            answers = map(run, starts)
        for start, results in answers:
            for i, res in enumerate(results):
                for j, p in enumerate(res["points"][:k]):
                    pid = p["id"]
                    if objects is None and not (isinstance(pid, int) and pid < 2**63):
                        objects = ids.astype(object)
                    if objects is not None:
                        objects[start + i, j] = pid
                    ids[start + i, j] = pid if isinstance(pid, int) and pid < 2**63 else -1
                    scores[start + i, j] = p["score"]
        return (objects if objects is not None else ids), scores

    def get(self, ids, *, with_vectors=True):
        single = _args.is_single_id(ids)
        body = {"ids": [_id(ids)] if single else _ids(ids), "with_payload": True,
                "with_vector": bool(with_vectors), "with_text": True}
        records = [_record(p) for p in self._t.call("POST", f"{self._path}/points", body)]
        if not single:
            return records
        if not records:
            raise NotFound(f"No point with id {ids} found")
        return records[0]

    def _existing(self, ids):
        return len(self._t.call("POST", f"{self._path}/points",
                                {"ids": ids, "with_payload": False, "with_vector": False}))

    def delete(self, ids=None, *, filter=None):
        if (ids is None) == (filter is None):
            raise InvalidArgument("delete: give ids or filter (one of them)")
        if ids is not None:
            ids = [_id(ids)] if _args.is_single_id(ids) else _ids(ids)
            n = self._existing(ids)
            body = {"points": ids}
        else:
            n = self.count(filter)
            body = {"filter": _filter(filter)}
        self._t.call("POST", f"{self._path}/points/delete?wait=true", body)
        return n

    def count(self, filter=None):
        body = {"exact": True}
        if filter is not None:
            body["filter"] = _filter(filter)
        return self._t.call("POST", f"{self._path}/points/count", body)["count"]

    def scroll(self, batch=1000, *, filter=None, with_payload=True, with_vectors=False,
               offset=None):
        batch = _args.uint("batch", batch)
        if batch == 0:
            raise InvalidArgument("batch: must be at least 1")
        body = {"limit": batch, "with_payload": bool(with_payload),
                "with_vector": bool(with_vectors), "with_text": True}
        if filter is not None:
            body["filter"] = _filter(filter)
        while True:
            if offset is not None:
                body["offset"] = _id(offset, "offset")
            page = self._t.call("POST", f"{self._path}/points/scroll", body)
            for p in page["points"]:
                yield _record(p)
            offset = page.get("next_page_offset")
            if offset is None:
                return

    def set_payload(self, ids, payload, *, merge=True):
        ids = [_id(ids)] if _args.is_single_id(ids) else _ids(ids)
        if not isinstance(payload, dict):
            raise InvalidArgument("payload: expected a dict")
        n = self._existing(ids)
        self._t.call("POST" if merge else "PUT", f"{self._path}/points/payload?wait=true",
                     {"payload": payload, "points": ids})
        return n

    def create_payload_index(self, path, type="keyword"):  # noqa: A002
        self._t.call("PUT", f"{self._path}/index?wait=true",
                     {"field_name": _args.text("path", path),
                      "field_schema": _args.text("type", type)})
        self._schema = None

    def optimize(self):
        self._t.call("POST", f"/ragdb/collections/{_q(self._name)}/optimize")

    def __len__(self):
        return self.count()

    def __repr__(self):
        return f"ragdb.RemoteCollection({self._name!r})"


def _per_record(items, what, n):
    if items is None:
        return [None] * n
    if isinstance(items, (str, dict)) or not hasattr(items, "__len__"):
        raise InvalidArgument(f"{what}: expected a list with one item per id")
    if len(items) != n:
        raise InvalidArgument(f"{what}: {len(items)} items for {n} ids")
    return list(items)


def _multipart(fields, file_name, data):
    """multipart/form-data with text fields and one file part."""
    boundary = "ragdb-" + uuid.uuid4().hex
    out = bytearray()
    for name, value in fields.items():
        out += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n"
                f"{value}\r\n").encode()
    quoted = file_name.replace("\\", "\\\\").replace('"', '\\"')
    out += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
            f"filename=\"{quoted}\"\r\nContent-Type: application/octet-stream\r\n\r\n").encode()
    out += data
    out += f"\r\n--{boundary}--\r\n".encode()
    return bytes(out), f"multipart/form-data; boundary={boundary}"


def _walk(paths):
    """Files under `paths` in the order KnowledgeBase::IngestPaths takes them (each folder
    sorted, hidden files and folders left out); missing paths as (path, None)."""
    for p in paths:
        if os.path.isdir(p):
            found = []
            for root, dirs, files in os.walk(p):
                dirs[:] = [d for d in dirs if not d.startswith(".")]
                found += [os.path.join(root, f) for f in files if not f.startswith(".")]
            yield from sorted(found)
        elif os.path.exists(p):
            yield p
        else:
            yield (p, None)


@_args.strict
class RemoteKnowledgeBase:
    """A knowledge base on a ragdb server: the methods of ragdb.KnowledgeBase, over HTTP.
    ingest() uploads the local files (their absolute path is the source, as embedded)."""

    def __init__(self, transport, name, options):
        self._t = transport
        self._name = name
        self._options = options
        self._path = f"/ragdb/kb/{_q(name)}"

    @property
    def name(self) -> str:
        return self._name

    @property
    def options(self) -> dict:
        return dict(self._options)

    def info(self):
        return self._t.call("GET", self._path)

    def _upload(self, body, content_type="application/json"):
        """One upload -> its IngestResult; a document the server could not ingest is skipped
        with the server's reason, as the embedded engine skips it."""
        try:
            return self._t.call("POST", f"{self._path}/documents", body,
                                content_type=content_type)["documents"][0]
        except Error as e:
            if e.code == "InvalidArgument" and e.message.startswith("not ingested: "):
                return {"status": "skipped", "reason": e.message.split(": ", 2)[-1]}
            if e.code == "ResourceExhausted":
                return {"status": "skipped", "reason": e.message}
            raise

    def ingest(self, *paths, sync=False, progress=None):
        files = list(_walk(_args.paths(paths)))
        totals = dict(files=len([f for f in files if not isinstance(f, tuple)]), added=0,
                      updated=0, unchanged=0, skipped=0, removed=0, chunks=0, bytes=0, pages=0)
        skipped = []
        for done, f in enumerate(files, 1):
            if isinstance(f, tuple):
                skipped.append({"source": f[0], "reason": "no such file or folder"})
                continue
            source = os.path.realpath(os.path.abspath(f))
            try:
                with open(source, "rb") as fh:
                    data = fh.read()
            except OSError as e:
                r = {"status": "skipped", "reason": str(e)}
            else:
                body, ctype = _multipart({"source": source}, os.path.basename(source), data)
                r = self._upload(body, ctype)
            if r["status"] == "skipped":
                skipped.append({"source": source, "reason": r.get("reason", "")})
            elif r["status"] in totals:
                totals[r["status"]] += 1
                if r["status"] != "unchanged":
                    for key in ("chunks", "bytes", "pages"):
                        totals[key] += r.get(key, 0)
            if progress is not None:
                progress(done, len(files), f)
        if sync:
            for d in self.documents():
                src = d.get("source", "")
                if src.startswith("/") and not os.path.exists(src):
                    self.remove(src)
                    totals["removed"] += 1
        return IngestSummary.from_dict(dict(totals, skipped_files=skipped))

    def ingest_text(self, source, text, metadata=None):
        body = {"source": _args.text("source", source), "text": _args.text("text", text)}
        if metadata is not None:
            body["metadata"] = metadata
        r = self._upload(body)
        return IngestResult.from_dict(dict(r, source=r.get("source", source)))

    def ingest_bytes(self, source, data, *, file_name=None, metadata=None):
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise InvalidArgument(f"data: expected bytes, got {type(data).__name__}")
        fields = {"source": _args.text("source", source)}
        if metadata is not None:
            fields["metadata"] = json.dumps(metadata)
        body, ctype = _multipart(fields, _args.text("file_name", file_name or source), bytes(data))
        r = self._upload(body, ctype)
        return IngestResult.from_dict(dict(r, source=r.get("source", source)))

    def documents(self):
        return self._t.call("GET", f"{self._path}/documents")["documents"]

    def remove(self, source=None, *, doc_id=None):
        if (source is None) == (doc_id is None):
            raise InvalidArgument("remove: give source or doc_id (one of them)")
        if doc_id is not None:
            self._t.call("DELETE", f"{self._path}/documents/{_q(_args.text('doc_id', doc_id))}")
        else:
            query = urllib.parse.urlencode({"source": _args.text("source", source)})
            self._t.call("DELETE", f"{self._path}/documents?{query}")

    def retrieve(self, query, k=None, *, filter=None, candidates=None, reranker=None,
                 max_per_document=None, token_budget=None, merge_neighbors=None):
        body = _retrieve_body(k, filter, candidates, reranker, max_per_document, token_budget,
                              merge_neighbors)
        body["query"] = _args.text("query", query)
        return [Chunk.from_dict(c) for c in
                self._t.call("POST", f"{self._path}/retrieve", body)["chunks"]]

    def ask(self, question, k=None, *, filter=None, candidates=None, reranker=None,
            max_per_document=None, token_budget=None, merge_neighbors=None, history=None,
            llm=None, on_token=None):
        if llm is not None:
            raise Unimplemented("over HTTP the server's LLM configuration answers (llm=None)")
        body = _retrieve_body(k, filter, candidates, reranker, max_per_document, token_budget,
                              merge_neighbors)
        body.update(question=_args.text("question", question), timings=True)
        turns = _args.history(history)
        if turns:
            body["history"] = [{"role": r, "content": c} for r, c in turns]
        if on_token is None:
            return Answer.from_dict(self._t.call("POST", f"{self._path}/ask", body))
        body["stream"] = True
        response = self._t.request("POST", f"{self._path}/ask", body)
        return _read_answer_stream(response, on_token)

    def __repr__(self):
        return f"ragdb.RemoteKnowledgeBase({self._name!r})"


def _retrieve_body(*args):
    """The retrieve options given (None = the server's default), as /retrieve and /ask take them."""
    options = _retrieve_options(*args)
    _filter(options["filter"])
    return {k: v for k, v in options.items() if v is not None}


def _read_answer_stream(response, on_token):
    """Server-sent events of /ask: "delta" ({"text"}) as generated, then "answer" or "error"."""
    event, data = None, []
    for raw in response:
        line = raw.decode("utf-8").rstrip("\r\n")
        if line.startswith("event:"):
            event = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].lstrip())
        elif line == "" and event is not None:
            payload = json.loads("\n".join(data))
            if event == "delta":
                on_token(payload.get("text", ""))
            elif event == "answer":
                response.read()  # the end of the stream, so the connection can be used again
                return Answer.from_dict(payload)
            elif event == "error":
                response.read()
                raise Internal(payload.get("error", "the server failed to answer"))
            event, data = None, []
    raise Unavailable("the answer stream ended before the answer")
