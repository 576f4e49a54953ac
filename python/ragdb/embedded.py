"""The embedded engine: ragdb.open(path) -> Database, in this process, data in a local folder.

Each method checks its plain arguments and calls ragdb._ragdb (the pybind11 module over the C++
API in include/ragdb/), which converts arrays and JSON, and runs the engine with the GIL
released. The HTTP client (ragdb/http.py) has the same classes and signatures.
"""
from typing import Iterator

from . import _args, _ragdb, _schema
from .errors import InvalidArgument
from .types import Answer, Chunk, IngestResult, IngestSummary


def open(path, *, create_if_missing=True, sync_writes=True, seal_threshold_rows=65536):  # noqa: A001
    """Opens (by default creates) the database folder `path`, recovering every collection from
    its write-ahead log. One process at a time: a second open of the same folder fails with
    Unavailable until the first is closed.

    sync_writes=False skips the fsync before each write is acknowledged (a process crash still
    loses nothing; a power loss may). seal_threshold_rows: rows of the in-memory segment before
    it is sealed into a segment file.
    """
    return Database(_ragdb.open(_args.path("path", path), bool(create_if_missing),
                                bool(sync_writes),
                                _args.uint("seal_threshold_rows", seal_threshold_rows)))


def check(path):
    """Verifies every checksum of the database at `path` without opening it for writing:
    {"ok": bool, "files_checked": int, "problems": [str]} (each problem names a damaged file)."""
    return _ragdb.check(_args.path("path", path))


@_args.strict
class Database:
    """A database folder. Safe to share between threads. Close it (or use `with`) to release
    the folder; collections and knowledge bases made from it fail once it is closed."""

    def __init__(self, handle):
        self._h = handle

    @property
    def path(self) -> str:
        return self._h.path()

    def create_collection(self, name, dim=None, metric=None, index="flat", *, datatype="float32",
                          m=None, ef_construction=None, nlist=None, pq_m=None,
                          quantization="none", text=False, embedder=None, payload_indexes=None,
                          vectors=None, sparse_vectors=None, multi_vectors=None, schema=None):
        """Creates a collection and returns it.

        dim/metric/index/datatype/embedder describe the unnamed vector field (metric: cosine,
        l2, ip, hamming; index: flat, hnsw, ivf_flat, ivf_pq with m, ef_construction, nlist,
        pq_m, quantization="sq8"; datatype: float32, float16, int8, uint8, binary; embedder: a
        name the engine accepts, e.g. "hash" or "hash:256", used to embed texts). text=True
        (or a dict of analyzer options) adds a BM25 text field. payload_indexes: {"path":
        "keyword"|"integer"|"float"|"bool"|"text"} or ["path:type", ...]. vectors: named
        fields {name: dim | {dim, metric, index, ...}}; sparse_vectors: [name, ...] or {name:
        {"embedder": "splade:MODEL"}}; multi_vectors: late-interaction fields scored by MaxSim,
        {name: dim | {dim, metric ("cosine" | "ip"), embedder ("colbert:MODEL"), index ("flat"
        | "hnsw": a token index), m, ef_construction}}. schema: a whole schema dict
        (CollectionSchema's JSON form) instead of all of these.
        """
        if schema is None:
            schema = _schema.build(dim, metric, index, datatype, m, ef_construction, nlist, pq_m,
                                   quantization, text, embedder, payload_indexes, vectors,
                                   sparse_vectors, multi_vectors)
        return Collection(self._h.create_collection(_args.text("name", name), schema))

    def get_collection(self, name):
        """The collection `name`; NotFound when there is none."""
        return Collection(self._h.get_collection(_args.text("name", name)))

    def list_collections(self):
        """Names of the collections (knowledge bases' collections included: kb.NAME...)."""
        return self._h.list_collections()

    def delete_collection(self, name):
        """Drops the collection and its files; NotFound when there is none."""
        self._h.delete_collection(_args.text("name", name))

    def knowledge_base(self, name, *, chunk_size=None, overlap=None, mode=None, parent_size=None,
                       embedder=None, sparse_embedder=None):
        """Opens the knowledge base `name`, creating it with these options (None = the
        engine's default) when it does not exist. Options given for an existing one must be
        the ones it was created with (InvalidArgument otherwise). sparse_embedder:
        "splade:MODEL" or "bge-m3-sparse:MODEL" adds learned sparse vectors to hybrid
        retrieval."""
        options = _kb_options(chunk_size, overlap, mode, parent_size, embedder, sparse_embedder)
        kb = KnowledgeBase(self._h.knowledge_base(_args.text("name", name), options))
        _check_same_options(kb.name, kb.options, options)
        return kb

    def list_knowledge_bases(self):
        return self._h.list_knowledge_bases()

    def delete_knowledge_base(self, name):
        self._h.delete_knowledge_base(_args.text("name", name))

    def recovery_notes(self):
        """What recovery dropped on open (torn write-ahead-log tails), one line each."""
        return self._h.recovery_notes()

    def close(self):
        """Waits for running calls, then closes the folder. Idempotent."""
        self._h.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __repr__(self):
        try:
            return f"ragdb.Database({self.path!r})"
        except Exception:  # closed
            return "ragdb.Database(<closed>)"


def _kb_options(chunk_size, overlap, mode, parent_size, embedder, sparse_embedder=None):
    return {"chunk_size": _args.opt_uint("chunk_size", chunk_size),
            "overlap": _args.opt_uint("overlap", overlap),
            "mode": _args.text("mode", mode, optional=True),
            "parent_size": _args.opt_uint("parent_size", parent_size),
            "embedder": _args.text("embedder", embedder, optional=True),
            "sparse_embedder": _args.text("sparse_embedder", sparse_embedder, optional=True)}


def _check_same_options(name, have, wanted):
    """Chunks of one knowledge base are only comparable when cut and embedded the same way."""
    for key, value in wanted.items():
        if value is not None and have.get(key) != value:
            raise InvalidArgument(f"knowledge base '{name}' was created with {key}="
                                  f"{have.get(key)!r}; drop it to change that, or leave the "
                                  "option out")


@_args.strict
class Collection:
    """A collection of records. Safe to share between threads: searches run concurrently with
    each other and with writes (each call releases the GIL)."""

    def __init__(self, native):
        self._c = native

    @property
    def name(self) -> str:
        return self._c.name()

    @property
    def schema(self) -> dict:
        """The schema in its JSON form: vectors, sparse_vectors, text, payload_indexes."""
        return self._c.schema()

    def info(self):
        """Points, segments (rows, deleted, bytes, indexes), WAL size and schema."""
        return self._c.info()

    def upsert(self, ids, vectors=None, payloads=None, texts=None, *, sparse_vectors=None,
               using=None):
        """Inserts or replaces records by id; durable (fsynced) when it returns. All or nothing:
        every record is checked (dimension, finite numbers, limits) before any is written.

        ids: ints >= 0 or strs (a list or a numpy integer array). vectors: an (n, dim) array for
        the unnamed field (or the field `using`), or {field: array}; float32 C-contiguous arrays
        are read in place, others converted once. payloads: dicts (or None); texts: strs (or
        None), indexed for BM25 and embedded by a field's embedder; sparse_vectors: dicts of
        field -> (indices, values). A multi-vector field's entry in `vectors` is a list of
        matrices, one (tokens, dim) array per id.
        """
        self._c.upsert(ids, vectors, payloads, texts, sparse_vectors,
                       _args.text("using", using, optional=True) or "")

    def import_vectors(self, vectors, first_id=0, *, using=None):
        """Bulk load of an (n, dim) array with ids first_id, first_id + 1, ... (no payloads),
        written in batches (each durable; not all-or-nothing like upsert). A float32
        C-contiguous array is read in place."""
        self._c.import_vectors(vectors, _args.uint("first_id", first_id),
                               _args.text("using", using, optional=True) or "")

    def search(self, vector=None, k=10, filter=None, ef=0, *, text=None, near_text=None,
               sparse=None, fusion=None, weights=None, rrf_k=60, normalization="minmax",
               prefetch=0, nprobe=0, exact=False, offset=0, score_threshold=None,
               with_payload=True, with_vectors=False, with_text=False, using=None,
               sparse_using=None, all_terms=False, phrase=False):
        """Top-k hits, best first.

        vector: a query vector (dense search on the field `using`), or a (tokens, dim) matrix
        when `using` is a multi-vector field (MaxSim); near_text: text embedded by the field's
        embedder instead; text: a BM25 query ("quoted phrases" required; all_terms,
        phrase); sparse: (indices, values). Several of them are fused (fusion "rrf", default,
        or "weighted" with normalization "minmax"/"dbsf"; weights in the order text, vector,
        sparse; each contributes `prefetch` candidates, default max(100, k + offset)).
        filter: an expression ('cat == "a" and price < 9') or a Qdrant filter dict. ef / nprobe:
        HNSW beam / IVF lists (0 = index default); exact: scan instead of the index.
        """
        return self._c.search(
            vector, _args.text("near_text", near_text, True), _args.text("text", text, True),
            sparse, _args.uint("k", k), filter, _args.uint("ef", ef), _args.uint("nprobe", nprobe),
            bool(exact), _args.uint("offset", offset),
            None if score_threshold is None else float(score_threshold), bool(with_payload),
            bool(with_vectors), bool(with_text), _args.text("using", using, True) or "",
            _args.text("sparse_using", sparse_using, True) or "",
            _args.text("fusion", fusion, True) or "", _args.text("normalization", normalization),
            float(rrf_k), weights, _args.uint("prefetch", prefetch), bool(all_terms), bool(phrase))

    def search_batch(self, queries, k=10, threads=0, *, filter=None, ef=0, nprobe=0, exact=False,
                     using=None):
        """Searches every row of the (nq, dim) array `queries` on `threads` threads (0 = one per
        core) and returns (ids, scores), two (nq, k) arrays: int64 ids (an object array when
        the collection has string ids) and float32 scores. Rows with fewer than k hits end with
        id -1 and score +inf (distances) or -inf (similarities)."""
        return self._c.search_batch(queries, _args.uint("k", k), _args.uint("threads", threads),
                                    filter, _args.uint("ef", ef), _args.uint("nprobe", nprobe),
                                    bool(exact), _args.text("using", using, True) or "")

    def get(self, ids, *, with_vectors=True):
        """One id -> its Record (NotFound when absent); a list of ids -> the Records of those
        that exist, in the order asked."""
        if _args.is_single_id(ids):
            return self._c.get_one(ids, bool(with_vectors))
        return self._c.get_many(ids, bool(with_vectors))

    def delete(self, ids=None, *, filter=None):
        """Deletes by ids or by filter (exactly one); returns how many records existed and are
        now deleted. Durable when it returns."""
        if (ids is None) == (filter is None):
            raise InvalidArgument("delete: give ids or filter (one of them)")
        if ids is not None:
            return self._c.delete_ids([ids] if _args.is_single_id(ids) else ids)
        return self._c.delete_filter(filter)

    def count(self, filter=None):
        """Live records (that pass the filter)."""
        return self._c.count(filter)

    def scroll(self, batch=1000, *, filter=None, with_payload=True, with_vectors=False,
               offset=None) -> Iterator:
        """Every record (that passes the filter) in id order, fetched `batch` at a time."""
        batch = _args.uint("batch", batch)
        if batch == 0:
            raise InvalidArgument("batch: must be at least 1")
        while True:
            records, offset = self._c.scroll_page(filter, offset, batch, bool(with_payload),
                                                  bool(with_vectors))
            yield from records
            if offset is None:
                return

    def set_payload(self, ids, payload, *, merge=True):
        """Merges `payload` into (merge=False: replaces) the payload of the records; returns how
        many were updated."""
        return self._c.set_payload([ids] if _args.is_single_id(ids) else ids, payload,
                                   bool(merge))

    def create_payload_index(self, path, type="keyword"):  # noqa: A002
        """Indexes a payload field (keyword, integer, float, bool, text), existing data too."""
        self._c.create_payload_index(_args.text("path", path), _args.text("type", type))

    def optimize(self):
        """Seals the in-memory segment, merges segments (dropping deleted rows) and builds the
        vector indexes."""
        self._c.optimize()

    def __len__(self):
        return self.count()

    def __repr__(self):
        return f"ragdb.Collection({self.name!r})"


@_args.strict
class KnowledgeBase:
    """A knowledge base: documents parsed, chunked, embedded and indexed for hybrid retrieval,
    and questions answered with citations (docs/rag.md)."""

    def __init__(self, native):
        self._kb = native

    @property
    def name(self) -> str:
        return self._kb.name()

    @property
    def options(self) -> dict:
        """chunk_size, overlap, mode, parent_size, embedder: fixed at creation."""
        return self._kb.options()

    def info(self):
        """{"name", "options", "documents", "chunks"}."""
        return self._kb.info()

    def ingest(self, *paths, sync=False, progress=None):
        """Ingests files and folders (recursively; txt, md, html, pdf, docx, csv, json). A file
        that cannot be parsed is skipped with its reason; unchanged files are not re-embedded.
        sync=True also removes documents whose file is gone. progress(done, total, path) is
        called after each file."""
        return IngestSummary.from_dict(self._kb.ingest(_args.paths(paths), bool(sync), progress))

    def ingest_text(self, source, text, metadata=None):
        """A document given as text (Markdown when `source` ends in .md, HTML for .html);
        the same source again replaces it."""
        return IngestResult.from_dict(self._kb.ingest_text(
            _args.text("source", source), _args.text("text", text), metadata))

    def ingest_bytes(self, source, data, *, file_name=None, metadata=None):
        """A file's bytes (its name's extension picks the parser: .pdf, .docx, ...)."""
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise InvalidArgument(f"data: expected bytes, got {type(data).__name__}")
        return IngestResult.from_dict(self._kb.ingest_bytes(
            _args.text("source", source), _args.text("file_name", file_name or source, True),
            bytes(data), metadata))

    def documents(self):
        """One dict per document: doc_id, source, version, chunks, bytes, content_hash, ..."""
        return self._kb.documents()

    def remove(self, source=None, *, doc_id=None):
        """Removes a document (by source or doc_id) and its chunks; NotFound when unknown."""
        if (source is None) == (doc_id is None):
            raise InvalidArgument("remove: give source or doc_id (one of them)")
        self._kb.remove(_args.text("source", source, True) or "",
                        _args.text("doc_id", doc_id, True) or "")

    def retrieve(self, query, k=None, *, filter=None, candidates=None, reranker=None,
                 max_per_document=None, token_budget=None, merge_neighbors=None):
        """Hybrid retrieval (BM25 + dense, RRF), optional cross-encoder rerank, then context
        assembly: a list of Chunk, best first. None = the engine's default (k 5, ...)."""
        return [Chunk.from_dict(c) for c in self._kb.retrieve(
            _args.text("query", query),
            _retrieve_options(k, filter, candidates, reranker, max_per_document, token_budget,
                              merge_neighbors))]

    def ask(self, question, k=None, *, filter=None, candidates=None, reranker=None,
            max_per_document=None, token_budget=None, merge_neighbors=None, history=None,
            llm=None, on_token=None):
        """Answers from the knowledge base with [n] citations. llm: None = RAGDB_LLM_* and
        DATA/llm.json as `ragdb ask` reads them, False = extractive, or {"base_url", "model",
        "api_key", ...}. history: earlier turns [{"role", "content"}]. on_token(text) receives
        generated text as it streams (LLM mode)."""
        return Answer.from_dict(self._kb.ask(
            _args.text("question", question),
            _retrieve_options(k, filter, candidates, reranker, max_per_document, token_budget,
                              merge_neighbors),
            _args.history(history), llm, on_token))

    def __repr__(self):
        return f"ragdb.KnowledgeBase({self.name!r})"


def _retrieve_options(k, filter, candidates, reranker, max_per_document, token_budget,
                      merge_neighbors):
    return {"k": _args.opt_uint("k", k), "filter": filter,
            "candidates": _args.opt_uint("candidates", candidates),
            "reranker": _args.text("reranker", reranker, True),
            "max_per_document": _args.opt_uint("max_per_document", max_per_document),
            "token_budget": _args.opt_uint("token_budget", token_budget),
            "merge_neighbors": None if merge_neighbors is None else bool(merge_neighbors)}
