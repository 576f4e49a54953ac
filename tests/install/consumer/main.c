/* Uses the installed C API. */
#include <stdio.h>

#include "ragdb/ragdb.h"

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  ragdb_db* db = NULL;
  ragdb_collection* col = NULL;
  ragdb_hits* hits = NULL;
  float query[2] = {0.9f, 0.0f};
  if (ragdb_open(argv[1], NULL, &db) != RAGDB_OK ||
      ragdb_create_collection(db, "c", "{\"vectors\": [{\"dim\": 2, \"metric\": \"l2\"}]}", &col) !=
          RAGDB_OK ||
      ragdb_upsert_json(
          col, "[{\"id\": 1, \"vector\": [0, 0]}, {\"id\": 2, \"vector\": [1, 0]}]") != RAGDB_OK ||
      ragdb_search(col, query, 2, NULL, &hits) != RAGDB_OK) {
    fprintf(stderr, "c consumer: %s\n", ragdb_last_error());
    return 1;
  }
  int ok = ragdb_hits_count(hits) == 2 && ragdb_hits_id(hits, 0) == 2;
  printf("c consumer: nearest %s (API %u, ragdb %s)\n", ragdb_hits_id_string(hits, 0),
         ragdb_api_version(), ragdb_version_string());
  ragdb_hits_free(hits);
  ragdb_collection_release(col);
  ragdb_close(db);
  return ok ? 0 : 1;
}
