/* ragdb C API: the embedded database for C and for other languages' FFI (ctypes, cgo, JNI...).
 *
 * Plain C99: opaque handles, integer error codes plus a message, no C++ type crosses the boundary.
 * Structured values (schemas, records, payloads, filters) travel as JSON text in the same shapes
 * the CLI reads and prints (docs/c-api.md).
 *
 *   ragdb_db* db = NULL;
 *   if (ragdb_open("./data", NULL, &db) != RAGDB_OK) fprintf(stderr, "%s\n", ragdb_last_error());
 *   ragdb_collection* col = NULL;
 *   ragdb_create_collection(db, "docs", "{\"vectors\":[{\"dim\":4,\"metric\":\"l2\"}]}", &col);
 *   ragdb_upsert_json(col, "[{\"id\":1,\"vector\":[1,0,0,0],\"payload\":{\"tag\":\"a\"}}]");
 *   ragdb_hits* hits = NULL;
 *   ragdb_search(col, query, 4, NULL, &hits);
 *   ... ragdb_hits_count(hits), ragdb_hits_score(hits, i) ...
 *   ragdb_hits_free(hits);
 *   ragdb_collection_release(col);
 *   ragdb_close(db);
 *
 * Errors: every fallible function returns a ragdb_code; on failure the message is kept per
 * thread and read with ragdb_last_error() (valid until the next ragdb call on that thread).
 * Out-parameters are written only on success.
 *
 * ABI stability: handles are opaque; option structs start with their own size (set by the
 * *_init functions), so fields can be added at the end without breaking older callers. The codes
 * never change their numbers. ragdb_api_version() tells the version a library implements.
 *
 * Threads: a database and its collections may be used from many threads at once. A ragdb_hits
 * belongs to the caller that received it. */
#ifndef RAGDB_RAGDB_H_
#define RAGDB_RAGDB_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define RAGDB_EXPORT __attribute__((visibility("default")))
#else
#define RAGDB_EXPORT
#endif

/* Version of this header; ragdb_api_version() returns the library's. Bumped when functions or
 * struct fields are added (never for removals: those would be a new library name).
 * 2: knowledge bases (ragdb_kb_*), memory limit, read-only;
 * 3: knowledge bases' sparse_embedder, retrieve mode "sparse". */
#define RAGDB_API_VERSION 3

/* Same numbers as ragdb::StatusCode in ragdb/status.h. */
typedef enum ragdb_code {
  RAGDB_OK = 0,
  RAGDB_INVALID_ARGUMENT = 1,
  RAGDB_NOT_FOUND = 2,
  RAGDB_ALREADY_EXISTS = 3,
  RAGDB_CORRUPTION = 4,
  RAGDB_IO_ERROR = 5,
  RAGDB_RESOURCE_EXHAUSTED = 6,
  RAGDB_FAILED_PRECONDITION = 7,
  RAGDB_UNIMPLEMENTED = 8,
  RAGDB_INTERNAL = 9,
  RAGDB_PERMISSION_DENIED = 10,
  RAGDB_UNAUTHENTICATED = 11,
  RAGDB_UNAVAILABLE = 12,
  RAGDB_DEADLINE_EXCEEDED = 13
} ragdb_code;

typedef struct ragdb_db ragdb_db;
typedef struct ragdb_collection ragdb_collection;
typedef struct ragdb_hits ragdb_hits;

RAGDB_EXPORT uint32_t ragdb_api_version(void);
/* The library version, e.g. "0.1.0". */
RAGDB_EXPORT const char* ragdb_version_string(void);
/* The message of the last failed call on this thread ("" when none). */
RAGDB_EXPORT const char* ragdb_last_error(void);
/* "InvalidArgument", "NotFound", ... ; "Unknown" for numbers outside the enum. */
RAGDB_EXPORT const char* ragdb_code_name(int code);

/* ---- Database ---- */

typedef struct ragdb_open_options {
  size_t struct_size;           /* sizeof(ragdb_open_options); set by ragdb_open_options_init */
  int create_if_missing;        /* default 1 */
  int sync_writes;              /* fsync the log before a write returns; default 1 */
  uint64_t seal_threshold_rows; /* rows in the growing segment before it is sealed; 0 = default */
  uint64_t memory_limit_bytes;  /* API version 2. Frugal mode: resident bytes searches keep under;
                                   0 = no limit (default). docs/edge.md */
  int read_only;                /* API version 2. 1 = open without writing (writes fail with
                                   RAGDB_FAILED_PRECONDITION); default 0 */
} ragdb_open_options;

RAGDB_EXPORT void ragdb_open_options_init(ragdb_open_options* options);
/* options may be NULL (defaults). */
RAGDB_EXPORT ragdb_code ragdb_open(const char* path, const ragdb_open_options* options,
                                   ragdb_db** out);
/* Closes the database; collections still held stay valid until released. NULL is a no-op. */
RAGDB_EXPORT void ragdb_close(ragdb_db* db);

/* ---- Collections ---- */

/* schema_json: the schema JSON of `ragdb create --schema` (docs/cli.md). */
RAGDB_EXPORT ragdb_code ragdb_create_collection(ragdb_db* db, const char* name,
                                                const char* schema_json, ragdb_collection** out);
RAGDB_EXPORT ragdb_code ragdb_get_collection(ragdb_db* db, const char* name,
                                             ragdb_collection** out);
RAGDB_EXPORT ragdb_code ragdb_drop_collection(ragdb_db* db, const char* name);
/* Releases a handle from create/get. NULL is a no-op. */
RAGDB_EXPORT void ragdb_collection_release(ragdb_collection* collection);

/* ---- Writes (durable when they return RAGDB_OK; all or nothing) ---- */

/* records_json: a JSON array of records as `ragdb upsert` reads them:
 *   [{"id": 7, "vector": [..] or {"name": [..]}, "payload": {..}, "text": ".."}, ...] */
RAGDB_EXPORT ragdb_code ragdb_upsert_json(ragdb_collection* collection, const char* records_json);
/* rows vectors of dim floats each (row-major) into the vector field `field` ("" = the unnamed
 * one), with numeric ids ids[0..rows). Existing records with those ids are replaced. */
RAGDB_EXPORT ragdb_code ragdb_upsert_vectors(ragdb_collection* collection, const char* field,
                                             const uint64_t* ids, const float* vectors, size_t rows,
                                             size_t dim);
/* deleted (may be NULL) receives how many of the ids existed. */
RAGDB_EXPORT ragdb_code ragdb_delete(ragdb_collection* collection, const uint64_t* ids, size_t n,
                                     uint64_t* deleted);
/* filter: an expression (`tag == "a" and year >= 2020`) or Qdrant filter JSON. */
RAGDB_EXPORT ragdb_code ragdb_delete_by_filter(ragdb_collection* collection, const char* filter,
                                               uint64_t* deleted);

/* ---- Reads ---- */

/* Live records matching filter (NULL = all). */
RAGDB_EXPORT ragdb_code ragdb_count(const ragdb_collection* collection, const char* filter,
                                    uint64_t* out);
/* The record as JSON (the shape of `ragdb get`); free it with ragdb_string_free. */
RAGDB_EXPORT ragdb_code ragdb_get_json(const ragdb_collection* collection, uint64_t id,
                                       char** out_json);
RAGDB_EXPORT void ragdb_string_free(char* s);

typedef struct ragdb_search_options {
  size_t struct_size; /* sizeof(ragdb_search_options); set by ragdb_search_options_init */
  const char* field;  /* vector field; NULL or "" = the unnamed one (ignored by text search) */
  size_t k;           /* default 10 */
  const char* filter; /* NULL = none; an expression or Qdrant filter JSON */
  int with_payload;   /* default 1 */
  int exact;          /* 1 = exact scan even when an index exists; default 0 */
  uint32_t ef;        /* HNSW beam width; 0 = the index default */
  int all_terms;      /* text search: every word must occur; default 0 */
} ragdb_search_options;

RAGDB_EXPORT void ragdb_search_options_init(ragdb_search_options* options);
/* Top-k by the field's metric, best first. options may be NULL (defaults). */
RAGDB_EXPORT ragdb_code ragdb_search(const ragdb_collection* collection, const float* vector,
                                     size_t dim, const ragdb_search_options* options,
                                     ragdb_hits** out);
/* BM25 top-k over the collection's text field. */
RAGDB_EXPORT ragdb_code ragdb_search_text(const ragdb_collection* collection, const char* query,
                                          const ragdb_search_options* options, ragdb_hits** out);

/* Hits, best first. i must be < ragdb_hits_count. */
RAGDB_EXPORT size_t ragdb_hits_count(const ragdb_hits* hits);
/* 1 when hit i has a numeric id (then ragdb_hits_id gives it), 0 for a string id. */
RAGDB_EXPORT int ragdb_hits_id_is_number(const ragdb_hits* hits, size_t i);
RAGDB_EXPORT uint64_t ragdb_hits_id(const ragdb_hits* hits, size_t i);
/* The id as text (decimal for numbers); owned by hits. */
RAGDB_EXPORT const char* ragdb_hits_id_string(const ragdb_hits* hits, size_t i);
/* Similarity for cosine and ip (higher is better); Euclidean distance for l2 (lower is better). */
RAGDB_EXPORT float ragdb_hits_score(const ragdb_hits* hits, size_t i);
/* The payload as JSON ("null" without with_payload); owned by hits. */
RAGDB_EXPORT const char* ragdb_hits_payload_json(const ragdb_hits* hits, size_t i);
RAGDB_EXPORT void ragdb_hits_free(ragdb_hits* hits);

/* ---- Knowledge bases (API version 2) ----
 *
 * A knowledge base holds documents cut into chunks, embedded and indexed for hybrid (BM25 +
 * dense) retrieval, and answers questions with citations (docs/rag.md). Results come back as JSON
 * text in the shapes the CLI prints (`ragdb ingest`, `retrieve`, `ask`), owned by the caller and
 * freed with ragdb_string_free. Builds without the knowledge-base layer (the edge preset) have
 * these functions too; they return RAGDB_UNIMPLEMENTED saying so. */

typedef struct ragdb_kb ragdb_kb;

typedef struct ragdb_kb_options {
  size_t struct_size;          /* sizeof(ragdb_kb_options); set by ragdb_kb_options_init */
  const char* embedder;        /* NULL = "auto" (a default model, or "hash" offline); a model name
                                  or folder, "hash" or "hash:DIM" */
  const char* image_embedder;  /* NULL = none; "clip:MODEL" stores and embeds pictures */
  size_t chunk_size;           /* approximate tokens per chunk; default 400 */
  size_t chunk_overlap;        /* tokens shared by neighbouring chunks; default 60 */
  const char* sparse_embedder; /* API version 3. NULL = none; "splade:MODEL" or
                                  "bge-m3-sparse:MODEL": chunks also get learned sparse vectors,
                                  fused into hybrid retrieval */
} ragdb_kb_options;

RAGDB_EXPORT void ragdb_kb_options_init(ragdb_kb_options* options);
/* Opens the knowledge base `name`, creating it with options (NULL = defaults) when it does not
 * exist; the options of an existing one are its own (fixed at creation). */
RAGDB_EXPORT ragdb_code ragdb_kb_open(ragdb_db* db, const char* name,
                                      const ragdb_kb_options* options, ragdb_kb** out);
/* Releases a handle from ragdb_kb_open. NULL is a no-op. */
RAGDB_EXPORT void ragdb_kb_release(ragdb_kb* kb);
RAGDB_EXPORT ragdb_code ragdb_kb_drop(ragdb_db* db, const char* name);

/* Ingests a file or a folder (recursively): parse, chunk, embed, write; a document already
 * ingested with the same content is left alone. Files that cannot be parsed do not fail the call:
 * they are listed with their reason. out_json: the summary, {"files", "added", "updated",
 * "unchanged", "skipped", "chunks", "skipped_files": [{"source", "reason"}], ...}. */
RAGDB_EXPORT ragdb_code ragdb_kb_ingest_path(ragdb_kb* kb, const char* path, char** out_json);
/* Ingests in-memory text as the document `source` (Markdown when it ends in .md, HTML for
 * .html, else plain text); the same source again replaces it. metadata_json: a JSON object or
 * NULL. out_json: {"source", "status", "doc_id", "chunks", "reason"}. */
RAGDB_EXPORT ragdb_code ragdb_kb_ingest_text(ragdb_kb* kb, const char* source, const char* text,
                                             const char* metadata_json, char** out_json);

typedef struct ragdb_retrieve_options {
  size_t struct_size;   /* sizeof(ragdb_retrieve_options); set by ragdb_retrieve_options_init */
  size_t k;             /* context items; default 5 */
  const char* filter;   /* NULL = none; on chunk payloads (source, page, doc_id, metadata.*) */
  const char* mode;     /* "hybrid" (default), "dense", "bm25" or (API version 3) "sparse" */
  const char* reranker; /* NULL = none; a cross-encoder model folder */
} ragdb_retrieve_options;

RAGDB_EXPORT void ragdb_retrieve_options_init(ragdb_retrieve_options* options);
/* out_json: a JSON array of items, best first: {"chunk_id", "doc_id", "source", "page",
 * "heading_path", "score", "text", "kind", ...}. options may be NULL. */
RAGDB_EXPORT ragdb_code ragdb_kb_retrieve(const ragdb_kb* kb, const char* query,
                                          const ragdb_retrieve_options* options, char** out_json);

typedef struct ragdb_llm_options {
  size_t struct_size;   /* sizeof(ragdb_llm_options); set by ragdb_llm_options_init */
  const char* base_url; /* an OpenAI-compatible endpoint, e.g. http://127.0.0.1:8080/v1 */
  const char* model;    /* its model name, or "local:NAME" for an installed local model */
  const char* api_key;  /* NULL = none */
  int timeout_ms;       /* default 60000 */
  double temperature;   /* default 0.1 */
  size_t max_tokens;    /* default 512 */
} ragdb_llm_options;

RAGDB_EXPORT void ragdb_llm_options_init(ragdb_llm_options* options);
/* Answers `question` from the knowledge base: retrieval (options as ragdb_kb_retrieve; NULL =
 * defaults), then the LLM (llm NULL = an extractive answer: the best sentences of the sources).
 * out_json: {"answer", "mode": "llm" | "extractive", "citations": [{"n", "source", "page",
 * "chunk_id", "score", "snippet"}, ...]}. */
RAGDB_EXPORT ragdb_code ragdb_kb_ask(const ragdb_kb* kb, const char* question,
                                     const ragdb_retrieve_options* retrieve,
                                     const ragdb_llm_options* llm, char** out_json);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* RAGDB_RAGDB_H_ */
