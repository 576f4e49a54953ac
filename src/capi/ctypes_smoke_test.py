"""The C API from Python's ctypes (libragdb_c.so): open, create, upsert, search with a filter,
text search, an error with its message, close; with RAGDB_CAPI_HAS_KB=1 a knowledge base:
ingest text, retrieve, ask with citations. Usage: ctypes_smoke_test.py LIBRAGDB_C_SO"""
import ctypes as C
import json
import os
import sys
import tempfile

lib = C.CDLL(sys.argv[1])


class SearchOptions(C.Structure):
    _fields_ = [("struct_size", C.c_size_t), ("field", C.c_char_p), ("k", C.c_size_t),
                ("filter", C.c_char_p), ("with_payload", C.c_int), ("exact", C.c_int),
                ("ef", C.c_uint32), ("all_terms", C.c_int)]


class KbOptions(C.Structure):
    _fields_ = [("struct_size", C.c_size_t), ("embedder", C.c_char_p),
                ("image_embedder", C.c_char_p), ("chunk_size", C.c_size_t),
                ("chunk_overlap", C.c_size_t), ("sparse_embedder", C.c_char_p)]


class RetrieveOptions(C.Structure):
    _fields_ = [("struct_size", C.c_size_t), ("k", C.c_size_t), ("filter", C.c_char_p),
                ("mode", C.c_char_p), ("reranker", C.c_char_p)]


P = C.c_void_p
lib.ragdb_last_error.restype = C.c_char_p
lib.ragdb_version_string.restype = C.c_char_p
lib.ragdb_open.argtypes = [C.c_char_p, P, C.POINTER(P)]
lib.ragdb_close.argtypes = [P]
lib.ragdb_create_collection.argtypes = [P, C.c_char_p, C.c_char_p, C.POINTER(P)]
lib.ragdb_collection_release.argtypes = [P]
lib.ragdb_upsert_json.argtypes = [P, C.c_char_p]
lib.ragdb_search_options_init.argtypes = [C.POINTER(SearchOptions)]
lib.ragdb_search.argtypes = [P, C.POINTER(C.c_float), C.c_size_t, C.POINTER(SearchOptions),
                             C.POINTER(P)]
lib.ragdb_search_text.argtypes = [P, C.c_char_p, C.POINTER(SearchOptions), C.POINTER(P)]
lib.ragdb_hits_count.argtypes = [P]
lib.ragdb_hits_count.restype = C.c_size_t
lib.ragdb_hits_id_string.argtypes = [P, C.c_size_t]
lib.ragdb_hits_id_string.restype = C.c_char_p
lib.ragdb_hits_score.argtypes = [P, C.c_size_t]
lib.ragdb_hits_score.restype = C.c_float
lib.ragdb_hits_payload_json.argtypes = [P, C.c_size_t]
lib.ragdb_hits_payload_json.restype = C.c_char_p
lib.ragdb_hits_free.argtypes = [P]
lib.ragdb_string_free.argtypes = [P]
lib.ragdb_kb_options_init.argtypes = [C.POINTER(KbOptions)]
lib.ragdb_kb_open.argtypes = [P, C.c_char_p, C.POINTER(KbOptions), C.POINTER(P)]
lib.ragdb_kb_release.argtypes = [P]
lib.ragdb_kb_ingest_text.argtypes = [P, C.c_char_p, C.c_char_p, C.c_char_p, C.POINTER(P)]
lib.ragdb_retrieve_options_init.argtypes = [C.POINTER(RetrieveOptions)]
lib.ragdb_kb_retrieve.argtypes = [P, C.c_char_p, C.POINTER(RetrieveOptions), C.POINTER(P)]
lib.ragdb_kb_ask.argtypes = [P, C.c_char_p, C.POINTER(RetrieveOptions), P, C.POINTER(P)]


def ok(code):
    assert code == 0, f"code {code}: {lib.ragdb_last_error().decode()}"


def take_json(p):
    """Decodes a JSON string the library returned, then frees it."""
    text = C.string_at(p).decode()
    lib.ragdb_string_free(p)
    return json.loads(text)


def hits_list(hits):
    out = [(lib.ragdb_hits_id_string(hits, i).decode(), lib.ragdb_hits_score(hits, i),
            json.loads(lib.ragdb_hits_payload_json(hits, i)))
           for i in range(lib.ragdb_hits_count(hits))]
    lib.ragdb_hits_free(hits)
    return out


assert lib.ragdb_api_version() == 3
with tempfile.TemporaryDirectory() as tmp:
    db, col = P(), P()
    ok(lib.ragdb_open(f"{tmp}/db".encode(), None, C.byref(db)))
    schema = {"vectors": [{"dim": 3, "metric": "cosine"}], "text": {}}
    ok(lib.ragdb_create_collection(db, b"docs", json.dumps(schema).encode(), C.byref(col)))
    records = [{"id": i, "vector": [1.0, float(i), 0.0], "payload": {"n": i, "even": i % 2 == 0},
                "text": f"document number {i}" + (" special" if i == 3 else "")}
               for i in range(1, 9)]
    ok(lib.ragdb_upsert_json(col, json.dumps(records).encode()))

    opts = SearchOptions()
    lib.ragdb_search_options_init(C.byref(opts))
    assert opts.struct_size == C.sizeof(SearchOptions) and opts.k == 10
    opts.k = 3
    opts.filter = b"even == true"
    query = (C.c_float * 3)(1.0, 4.1, 0.0)
    hits = P()
    ok(lib.ragdb_search(col, query, 3, C.byref(opts), C.byref(hits)))
    got = hits_list(hits)
    assert [h[0] for h in got] == ["4", "6", "8"], got
    assert got[0][2] == {"n": 4, "even": True}, got

    hits = P()
    ok(lib.ragdb_search_text(col, b"special", None, C.byref(hits)))
    assert [h[0] for h in hits_list(hits)] == ["3"]

    code = lib.ragdb_upsert_json(col, b'[{"id": 9, "vector": [1, 2]}]')
    assert code == 1 and "dim" in lib.ragdb_last_error().decode(), lib.ragdb_last_error()
    code = lib.ragdb_create_collection(db, b"docs", json.dumps(schema).encode(), C.byref(P()))
    assert code == 3, code  # RAGDB_ALREADY_EXISTS

    lib.ragdb_collection_release(col)

    kb_opts = KbOptions()
    lib.ragdb_kb_options_init(C.byref(kb_opts))
    assert kb_opts.struct_size == C.sizeof(KbOptions) and kb_opts.chunk_size == 400
    kb_opts.embedder = b"hash"
    kb, out = P(), P()
    if os.environ.get("RAGDB_CAPI_HAS_KB") == "1":
        ok(lib.ragdb_kb_open(db, b"notes", C.byref(kb_opts), C.byref(kb)))
        for source, text in [("etna.md", "# Etna\n\nMount Etna is an active volcano on Sicily."),
                             ("tomato.md", "# Tomatoes\n\nTomatoes need six hours of sun.")]:
            ok(lib.ragdb_kb_ingest_text(kb, source.encode(), text.encode(), None, C.byref(out)))
            assert take_json(out)["status"] == "added"
        r = RetrieveOptions()
        lib.ragdb_retrieve_options_init(C.byref(r))
        r.k = 1
        ok(lib.ragdb_kb_retrieve(kb, b"volcano on Sicily", C.byref(r), C.byref(out)))
        items = take_json(out)
        assert [i["source"] for i in items] == ["etna.md"], items
        ok(lib.ragdb_kb_ask(kb, b"Where is Mount Etna?", None, None, C.byref(out)))
        answer = take_json(out)
        assert "Sicily" in answer["answer"] and answer["citations"][0]["source"] == "etna.md", answer
        r.mode = b"nope"
        assert lib.ragdb_kb_retrieve(kb, b"x", C.byref(r), C.byref(out)) == 1
        assert "nope" in lib.ragdb_last_error().decode()
        lib.ragdb_kb_release(kb)
    else:
        assert lib.ragdb_kb_open(db, b"notes", C.byref(kb_opts), C.byref(kb)) == 8  # UNIMPLEMENTED
        assert "no knowledge bases" in lib.ragdb_last_error().decode()
    lib.ragdb_close(db)
print("ctypes smoke test: OK, ragdb", lib.ragdb_version_string().decode())
