"""The C API from Python's ctypes (libragdb_c.so): open, create, upsert, search with a filter,
text search, an error with its message, close. Usage: ctypes_smoke_test.py LIBRAGDB_C_SO"""
import ctypes as C
import json
import sys
import tempfile

lib = C.CDLL(sys.argv[1])


class SearchOptions(C.Structure):
    _fields_ = [("struct_size", C.c_size_t), ("field", C.c_char_p), ("k", C.c_size_t),
                ("filter", C.c_char_p), ("with_payload", C.c_int), ("exact", C.c_int),
                ("ef", C.c_uint32), ("all_terms", C.c_int)]


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


def ok(code):
    assert code == 0, f"code {code}: {lib.ragdb_last_error().decode()}"


def hits_list(hits):
    out = [(lib.ragdb_hits_id_string(hits, i).decode(), lib.ragdb_hits_score(hits, i),
            json.loads(lib.ragdb_hits_payload_json(hits, i)))
           for i in range(lib.ragdb_hits_count(hits))]
    lib.ragdb_hits_free(hits)
    return out


assert lib.ragdb_api_version() == 1
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
    lib.ragdb_close(db)
print("ctypes smoke test: OK, ragdb", lib.ragdb_version_string().decode())
