/* The C API used from C (compiled as C, not C++): every call's result and error message checked.
 * Usage: capi_test DIR (an empty or missing folder it may write into). With the environment
 * variable RAGDB_CAPI_HAS_KB=1 (set by CTest in builds with knowledge bases) the ragdb_kb_*
 * functions are exercised end to end; with 0 they must say the build has none. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ragdb/ragdb.h"

static int failures = 0;

#define CHECK(cond)                                                            \
  do {                                                                         \
    if (!(cond)) {                                                             \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      failures++;                                                              \
    }                                                                          \
  } while (0)

/* code must be RAGDB_OK; prints the library's message when not. */
#define CHECK_OK(call)                                                          \
  do {                                                                          \
    ragdb_code code_ = (call);                                                  \
    if (code_ != RAGDB_OK) {                                                    \
      fprintf(stderr, "%s:%d: %s returned %s: %s\n", __FILE__, __LINE__, #call, \
              ragdb_code_name(code_), ragdb_last_error());                      \
      failures++;                                                               \
    }                                                                           \
  } while (0)

/* call must fail with `want` and a message containing `text`. */
#define CHECK_FAILS(call, want, text)                                                             \
  do {                                                                                            \
    ragdb_code code_ = (call);                                                                    \
    if (code_ != (want) || strstr(ragdb_last_error(), (text)) == NULL) {                          \
      fprintf(stderr, "%s:%d: %s returned %s \"%s\"; expected %s with \"%s\"\n", __FILE__,        \
              __LINE__, #call, ragdb_code_name(code_), ragdb_last_error(), ragdb_code_name(want), \
              (text));                                                                            \
      failures++;                                                                                 \
    }                                                                                             \
  } while (0)

static const char* kSchema =
    "{\"vectors\": [{\"dim\": 4, \"metric\": \"l2\", \"index\": {\"type\": \"hnsw\"}}],"
    " \"text\": {}}";

static void TestWritesAndSearch(ragdb_db* db) {
  ragdb_collection* col = NULL;
  CHECK_OK(ragdb_create_collection(db, "docs", kSchema, &col));
  CHECK(col != NULL);
  if (col == NULL) return;

  CHECK_OK(ragdb_upsert_json(
      col,
      "[{\"id\": 1, \"vector\": [1, 0, 0, 0], \"payload\": {\"tag\": \"a\", \"year\": 2020},"
      "  \"text\": \"the quick brown fox\"},"
      " {\"id\": 2, \"vector\": [0, 1, 0, 0], \"payload\": {\"tag\": \"b\", \"year\": 2021},"
      "  \"text\": \"a lazy dog sleeps\"},"
      " {\"id\": \"doc-3\", \"vector\": [0, 0, 1, 0], \"payload\": {\"tag\": \"a\"}}]"));
  /* 100 more rows through the binary path: ids 100.., vector (i, 1, 1, 1). */
  uint64_t ids[100];
  float vectors[400];
  for (int i = 0; i < 100; ++i) {
    ids[i] = 100 + (uint64_t)i;
    vectors[4 * i] = (float)i;
    vectors[4 * i + 1] = vectors[4 * i + 2] = vectors[4 * i + 3] = 1.0f;
  }
  CHECK_OK(ragdb_upsert_vectors(col, "", ids, vectors, 100, 4));

  uint64_t n = 0;
  CHECK_OK(ragdb_count(col, NULL, &n));
  CHECK(n == 103);
  CHECK_OK(ragdb_count(col, "tag == \"a\"", &n));
  CHECK(n == 2);
  CHECK_OK(ragdb_count(col, "{\"must\": [{\"key\": \"tag\", \"match\": {\"value\": \"b\"}}]}", &n));
  CHECK(n == 1);

  /* Nearest to (0.9, 0.1, 0, 0) by l2: id 1 first, then id 2. */
  float query[4] = {0.9f, 0.1f, 0.0f, 0.0f};
  ragdb_hits* hits = NULL;
  ragdb_search_options options;
  ragdb_search_options_init(&options);
  options.k = 2;
  CHECK_OK(ragdb_search(col, query, 4, &options, &hits));
  CHECK(ragdb_hits_count(hits) == 2);
  if (ragdb_hits_count(hits) == 2) {
    CHECK(ragdb_hits_id_is_number(hits, 0) && ragdb_hits_id(hits, 0) == 1);
    CHECK(ragdb_hits_id(hits, 1) == 2);
    CHECK(fabsf(ragdb_hits_score(hits, 0) - sqrtf(0.02f)) < 1e-5f);
    CHECK(strcmp(ragdb_hits_payload_json(hits, 0), "{\"tag\":\"a\",\"year\":2020}") == 0);
  }
  ragdb_hits_free(hits);

  /* With a filter only tag "a" rows are candidates: 1, then the string id "doc-3". */
  options.filter = "tag == \"a\"";
  hits = NULL;
  CHECK_OK(ragdb_search(col, query, 4, &options, &hits));
  CHECK(ragdb_hits_count(hits) == 2);
  if (ragdb_hits_count(hits) == 2) {
    CHECK(ragdb_hits_id(hits, 0) == 1);
    CHECK(!ragdb_hits_id_is_number(hits, 1));
    CHECK(strcmp(ragdb_hits_id_string(hits, 1), "doc-3") == 0);
  }
  ragdb_hits_free(hits);

  /* Exact scan with the default options (NULL): k = 10 of 103 rows. */
  hits = NULL;
  CHECK_OK(ragdb_search(col, query, 4, NULL, &hits));
  CHECK(ragdb_hits_count(hits) == 10);
  ragdb_hits_free(hits);

  /* Text search. */
  hits = NULL;
  CHECK_OK(ragdb_search_text(col, "lazy dog", NULL, &hits));
  CHECK(ragdb_hits_count(hits) == 1);
  if (ragdb_hits_count(hits) == 1) CHECK(ragdb_hits_id(hits, 0) == 2);
  ragdb_hits_free(hits);

  char* json = NULL;
  CHECK_OK(ragdb_get_json(col, 2, &json));
  CHECK(json != NULL && strstr(json, "\"a lazy dog sleeps\"") != NULL);
  ragdb_string_free(json);

  /* Deletes. */
  uint64_t deleted = 0;
  uint64_t gone[2] = {100, 99999};
  CHECK_OK(ragdb_delete(col, gone, 2, &deleted));
  CHECK(deleted == 1);
  CHECK_OK(ragdb_delete_by_filter(col, "tag == \"b\"", &deleted));
  CHECK(deleted == 1);
  CHECK_OK(ragdb_count(col, NULL, &n));
  CHECK(n == 101);

  ragdb_collection_release(col);
}

static void TestErrors(ragdb_db* db) {
  ragdb_collection* col = NULL;
  CHECK_FAILS(ragdb_create_collection(db, "docs", kSchema, &col), RAGDB_ALREADY_EXISTS, "docs");
  CHECK_FAILS(ragdb_create_collection(db, "bad", "{\"vectors\": [", &col), RAGDB_INVALID_ARGUMENT,
              "schema");
  CHECK_FAILS(ragdb_create_collection(db, "bad", "{\"vectorz\": []}", &col), RAGDB_INVALID_ARGUMENT,
              "vectorz");
  CHECK_FAILS(ragdb_get_collection(db, "missing", &col), RAGDB_NOT_FOUND, "missing");
  CHECK(col == NULL); /* out-parameters are untouched on failure */
  CHECK_FAILS(ragdb_get_collection(db, NULL, &col), RAGDB_INVALID_ARGUMENT, "name is NULL");

  CHECK_OK(ragdb_get_collection(db, "docs", &col));
  if (col == NULL) return;
  /* A wrong dimension or a NaN rejects the whole batch: nothing is stored. */
  CHECK_FAILS(ragdb_upsert_json(col,
                                "[{\"id\": 7, \"vector\": [1, 2, 3, 4]},"
                                " {\"id\": 8, \"vector\": [1, 2, 3]}]"),
              RAGDB_INVALID_ARGUMENT, "dim");
  float nan_row[4] = {1.0f, NAN, 0.0f, 0.0f};
  uint64_t id = 9;
  CHECK_FAILS(ragdb_upsert_vectors(col, "", &id, nan_row, 1, 4), RAGDB_INVALID_ARGUMENT, "");
  CHECK_FAILS(ragdb_upsert_json(col, "{\"id\": 1}"), RAGDB_INVALID_ARGUMENT, "array");
  CHECK_FAILS(ragdb_upsert_json(col, "[{\"id\": 1, \"colour\": 2}]"), RAGDB_INVALID_ARGUMENT,
              "colour");
  uint64_t n = 0;
  CHECK_OK(ragdb_count(col, NULL, &n));
  CHECK(n == 101);

  float query[3] = {1, 0, 0};
  ragdb_hits* hits = NULL;
  CHECK_FAILS(ragdb_search(col, query, 3, NULL, &hits), RAGDB_INVALID_ARGUMENT, "dim");
  CHECK(hits == NULL);
  ragdb_search_options options;
  ragdb_search_options_init(&options);
  options.filter = "tag = ";
  float query4[4] = {1, 0, 0, 0};
  CHECK_FAILS(ragdb_search(col, query4, 4, &options, &hits), RAGDB_INVALID_ARGUMENT, "filter");
  options.filter = "{\"must\": [{\"key\": \"tag\", \"macth\": {}}]}";
  CHECK_FAILS(ragdb_search(col, query4, 4, &options, &hits), RAGDB_INVALID_ARGUMENT, "macth");
  options.filter = NULL;
  options.struct_size = 3;
  CHECK_FAILS(ragdb_search(col, query4, 4, &options, &hits), RAGDB_INVALID_ARGUMENT, "struct_size");
  char* json = NULL;
  CHECK_FAILS(ragdb_get_json(col, 424242, &json), RAGDB_NOT_FOUND, "");
  CHECK(json == NULL);

  /* A success clears the message. */
  CHECK_OK(ragdb_count(col, NULL, &n));
  CHECK(strcmp(ragdb_last_error(), "") == 0);
  ragdb_collection_release(col);
}

static void WriteFile(const char* path, const char* text) {
  FILE* f = fopen(path, "w");
  CHECK(f != NULL);
  if (f == NULL) return;
  fputs(text, f);
  fclose(f);
}

/* The value of the first "source" key in json, copied into out (empty when absent). */
static void FirstSource(const char* json, char* out, size_t size) {
  const char* key = "\"source\":\"";
  const char* p = json == NULL ? NULL : strstr(json, key);
  out[0] = '\0';
  if (p == NULL) return;
  p += strlen(key);
  size_t n = 0;
  while (p[n] != '\0' && p[n] != '"' && n + 1 < size) n++;
  memcpy(out, p, n);
  out[n] = '\0';
}

static int EndsWith(const char* s, const char* suffix) {
  size_t a = strlen(s), b = strlen(suffix);
  return a >= b && strcmp(s + a - b, suffix) == 0;
}

static void TestKnowledgeBase(ragdb_db* db, const char* dir) {
  char docs[4096], path[4200], source[1024];
  snprintf(docs, sizeof docs, "%s-docs", dir);
  mkdir(docs, 0755);
  snprintf(path, sizeof path, "%s/volcano.md", docs);
  WriteFile(path,
            "# Volcanoes\n\nMount Etna is the tallest active volcano in Europe. It stands on the "
            "east coast of the island of Sicily, above the city of Catania.\n");
  snprintf(path, sizeof path, "%s/garden.txt", docs);
  WriteFile(path,
            "Tomatoes need six hours of sun a day. Water them deeply twice a week and stake the "
            "plants when they flower.\n");

  ragdb_kb_options options;
  ragdb_kb_options_init(&options);
  CHECK(options.struct_size == sizeof options && options.chunk_size == 400);
  options.embedder = "hash";
  ragdb_kb* kb = NULL;
  CHECK_OK(ragdb_kb_open(db, "notes", &options, &kb));
  if (kb == NULL) return;

  char* json = NULL;
  CHECK_OK(ragdb_kb_ingest_path(kb, docs, &json));
  CHECK(json != NULL && strstr(json, "\"added\":2") != NULL);
  ragdb_string_free(json);
  /* Again: the same content is left alone. */
  json = NULL;
  CHECK_OK(ragdb_kb_ingest_path(kb, docs, &json));
  CHECK(json != NULL && strstr(json, "\"unchanged\":2") != NULL);
  ragdb_string_free(json);

  json = NULL;
  CHECK_OK(ragdb_kb_retrieve(kb, "Which volcano stands on Sicily?", NULL, &json));
  FirstSource(json, source, sizeof source);
  CHECK(EndsWith(source, "volcano.md"));
  ragdb_string_free(json);

  /* Extractive answer, cited. */
  json = NULL;
  CHECK_OK(ragdb_kb_ask(kb, "Where is Mount Etna?", NULL, NULL, &json));
  CHECK(json != NULL && strstr(json, "Sicily") != NULL);
  CHECK(json != NULL && strstr(json, "\"mode\":\"extractive\"") != NULL);
  FirstSource(json == NULL ? NULL : strstr(json, "\"citations\""), source, sizeof source);
  CHECK(EndsWith(source, "volcano.md"));
  ragdb_string_free(json);

  /* In-memory text with metadata, then BM25 retrieval filtered to it. */
  json = NULL;
  CHECK_OK(ragdb_kb_ingest_text(kb, "tides.md",
                                "# Tides\n\nThe gravity of the moon raises two tidal bulges, so "
                                "most coasts see two high tides a day.",
                                "{\"topic\": \"sea\"}", &json));
  CHECK(json != NULL && strstr(json, "\"status\":\"added\"") != NULL);
  ragdb_string_free(json);
  ragdb_retrieve_options retrieve;
  ragdb_retrieve_options_init(&retrieve);
  CHECK(retrieve.k == 5);
  retrieve.mode = "bm25";
  retrieve.filter = "metadata.topic == \"sea\"";
  json = NULL;
  CHECK_OK(ragdb_kb_retrieve(kb, "high tides moon", &retrieve, &json));
  FirstSource(json, source, sizeof source);
  CHECK(strcmp(source, "tides.md") == 0);
  CHECK(json != NULL && strstr(json, "volcano.md") == NULL);
  ragdb_string_free(json);

  /* Bad input: errors that name the problem, nothing written. */
  json = NULL;
  retrieve.k = 0;
  CHECK_FAILS(ragdb_kb_retrieve(kb, "x", &retrieve, &json), RAGDB_INVALID_ARGUMENT, "k must be");
  retrieve.k = 3;
  retrieve.mode = "fuzzy";
  CHECK_FAILS(ragdb_kb_retrieve(kb, "x", &retrieve, &json), RAGDB_INVALID_ARGUMENT, "fuzzy");
  retrieve.mode = "sparse"; /* this knowledge base has no sparse embedder */
  CHECK_FAILS(ragdb_kb_retrieve(kb, "x", &retrieve, &json), RAGDB_INVALID_ARGUMENT,
              "no sparse embedder");
  retrieve.mode = NULL;
  retrieve.filter = "metadata.topic ==";
  CHECK_FAILS(ragdb_kb_retrieve(kb, "x", &retrieve, &json), RAGDB_INVALID_ARGUMENT, "filter");
  CHECK(json == NULL);
  CHECK_FAILS(ragdb_kb_retrieve(NULL, "x", NULL, &json), RAGDB_INVALID_ARGUMENT, "kb is NULL");
  CHECK_FAILS(ragdb_kb_ingest_text(kb, "m.md", "text", "[1]", &json), RAGDB_INVALID_ARGUMENT,
              "metadata");
  CHECK_FAILS(ragdb_kb_ingest_text(kb, "m.md", "text", "{", &json), RAGDB_INVALID_ARGUMENT,
              "metadata");
  ragdb_llm_options llm;
  ragdb_llm_options_init(&llm);
  CHECK(llm.timeout_ms == 60000 && llm.max_tokens == 512);
  CHECK_FAILS(ragdb_kb_ask(kb, "Where is Mount Etna?", NULL, &llm, &json), RAGDB_INVALID_ARGUMENT,
              "base_url");
  ragdb_kb* other = NULL;
  CHECK_FAILS(ragdb_kb_open(db, NULL, &options, &other), RAGDB_INVALID_ARGUMENT, "name is NULL");
  CHECK_FAILS(ragdb_kb_open(db, "bad name!", &options, &other), RAGDB_INVALID_ARGUMENT, "");
  options.chunk_overlap = 400;
  CHECK_FAILS(ragdb_kb_open(db, "other", &options, &other), RAGDB_INVALID_ARGUMENT,
              "chunk_overlap");
  CHECK(other == NULL);
  options.chunk_overlap = 60;
  options.sparse_embedder = "bm25";
  CHECK_FAILS(ragdb_kb_open(db, "other", &options, &other), RAGDB_INVALID_ARGUMENT,
              "--sparse-embedder");
  /* A caller built against API version 2 passes the shorter struct: no sparse embedder. */
  options.struct_size = offsetof(ragdb_kb_options, sparse_embedder);
  CHECK_OK(ragdb_kb_open(db, "v2", &options, &other));
  ragdb_kb_release(other);
  other = NULL;
  CHECK_OK(ragdb_kb_drop(db, "v2"));
  ragdb_kb_release(kb);

  /* Reopened (options of the existing KB are its own), then dropped. */
  kb = NULL;
  CHECK_OK(ragdb_kb_open(db, "notes", NULL, &kb));
  json = NULL;
  CHECK_OK(ragdb_kb_retrieve(kb, "tomatoes sun", NULL, &json));
  FirstSource(json, source, sizeof source);
  CHECK(EndsWith(source, "garden.txt"));
  ragdb_string_free(json);
  ragdb_kb_release(kb);
  CHECK_OK(ragdb_kb_drop(db, "notes"));
}

static void TestNoKnowledgeBase(ragdb_db* db) {
  ragdb_kb* kb = NULL;
  CHECK_FAILS(ragdb_kb_open(db, "notes", NULL, &kb), RAGDB_UNIMPLEMENTED, "no knowledge bases");
  CHECK(kb == NULL);
}

int main(int argc, char** argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: capi_test DIR\n");
    return 2;
  }
  CHECK(ragdb_api_version() == RAGDB_API_VERSION);
  CHECK(strlen(ragdb_version_string()) > 0);
  CHECK(strcmp(ragdb_code_name(RAGDB_NOT_FOUND), "NotFound") == 0);
  CHECK(strcmp(ragdb_code_name(99), "Unknown") == 0);

  ragdb_db* db = NULL;
  ragdb_open_options open_options;
  ragdb_open_options_init(&open_options);
  open_options.create_if_missing = 0;
  CHECK_FAILS(ragdb_open(argv[1], &open_options, &db), RAGDB_NOT_FOUND, "");
  CHECK(db == NULL);

  CHECK_OK(ragdb_open(argv[1], NULL, &db));
  if (db == NULL) return 1;
  TestWritesAndSearch(db);
  TestErrors(db);
  const char* has_kb = getenv("RAGDB_CAPI_HAS_KB");
  if (has_kb != NULL && strcmp(has_kb, "1") == 0) {
    TestKnowledgeBase(db, argv[1]);
  } else {
    TestNoKnowledgeBase(db);
  }
  /* A collection handle outlives ragdb_close of its database. */
  ragdb_collection* col = NULL;
  CHECK_OK(ragdb_get_collection(db, "docs", &col));
  ragdb_close(db);
  uint64_t n = 0;
  CHECK_OK(ragdb_count(col, NULL, &n));
  CHECK(n == 101);
  ragdb_collection_release(col);

  /* Reopened: the writes are durable; then drop. */
  db = NULL;
  CHECK_OK(ragdb_open(argv[1], NULL, &db));
  if (db == NULL) return 1;
  col = NULL;
  CHECK_OK(ragdb_get_collection(db, "docs", &col));
  CHECK_OK(ragdb_count(col, NULL, &n));
  CHECK(n == 101);
  ragdb_collection_release(col);
  CHECK_OK(ragdb_drop_collection(db, "docs"));
  CHECK_FAILS(ragdb_get_collection(db, "docs", &col), RAGDB_NOT_FOUND, "docs");
  ragdb_close(db);

  if (failures > 0) {
    fprintf(stderr, "%d check(s) failed\n", failures);
    return 1;
  }
  printf("capi_test: all checks passed\n");
  return 0;
}
