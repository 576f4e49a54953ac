// The C API (include/ragdb/ragdb.h): a thin layer over the embedded C++ API. Every entry point
// catches exceptions, since none may cross into C.
#include <cstring>
#include <exception>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "base/json_text.h"
#include "capi/capi_util.h"
#include "ragdb/database.h"
#include "ragdb/ragdb.h"

struct ragdb_collection {
  std::shared_ptr<ragdb::Collection> col;
};

struct ragdb_hits {
  struct Hit {
    ragdb::PointId id;
    std::string id_text;
    float score = 0;
    std::string payload_json;
  };
  std::vector<Hit> hits;
};

namespace {

using ragdb::Status;
using ragdb::capi::Guard;
using ragdb::capi::NullArgument;
using ragdb::capi::ParseFilter;
using ragdb::capi::ParseJsonArg;
using ragdb::capi::ReadOptions;

ragdb_hits* MakeHits(std::vector<ragdb::ScoredPoint>& points) {
  auto* out = new ragdb_hits;
  out->hits.reserve(points.size());
  for (auto& p : points) {
    ragdb_hits::Hit h;
    h.id_text = p.id.ToString();
    h.id = std::move(p.id);
    h.score = p.score;
    h.payload_json = ragdb::WriteJson(p.payload);
    out->hits.push_back(std::move(h));
  }
  return out;
}

}  // namespace

extern "C" {

uint32_t ragdb_api_version(void) { return RAGDB_API_VERSION; }

const char* ragdb_version_string(void) { return RAGDB_VERSION_STRING; }

const char* ragdb_last_error(void) { return ragdb::capi::last_error.c_str(); }

const char* ragdb_code_name(int code) {
  if (code < RAGDB_OK || code > RAGDB_DEADLINE_EXCEEDED) return "Unknown";
  // StatusCodeName returns views of string literals, so data() is NUL-terminated.
  return ragdb::StatusCodeName(static_cast<ragdb::StatusCode>(code)).data();
}

void ragdb_open_options_init(ragdb_open_options* options) {
  if (options == nullptr) return;
  ragdb::DatabaseOptions defaults;
  std::memset(options, 0, sizeof(*options));
  options->struct_size = sizeof(*options);
  options->create_if_missing = defaults.create_if_missing ? 1 : 0;
  options->sync_writes = defaults.sync_writes ? 1 : 0;
  options->seal_threshold_rows = 0;
}

ragdb_code ragdb_open(const char* path, const ragdb_open_options* options, ragdb_db** out) {
  return Guard([&]() -> Status {
    if (path == nullptr) return NullArgument("path");
    if (out == nullptr) return NullArgument("out");
    RAGDB_ASSIGN_OR_RETURN(ragdb_open_options o, ReadOptions(options, ragdb_open_options_init));
    ragdb::DatabaseOptions db_options;
    db_options.create_if_missing = o.create_if_missing != 0;
    db_options.sync_writes = o.sync_writes != 0;
    if (o.seal_threshold_rows != 0) db_options.seal_threshold_rows = o.seal_threshold_rows;
    db_options.memory_limit_bytes = o.memory_limit_bytes;
    db_options.read_only = o.read_only != 0;
    RAGDB_ASSIGN_OR_RETURN(auto db, ragdb::Database::Open(path, db_options));
    *out = new ragdb_db{std::move(db)};
    return Status::Ok();
  });
}

void ragdb_close(ragdb_db* db) { delete db; }

ragdb_code ragdb_create_collection(ragdb_db* db, const char* name, const char* schema_json,
                                   ragdb_collection** out) {
  return Guard([&]() -> Status {
    if (db == nullptr) return NullArgument("db");
    if (name == nullptr) return NullArgument("name");
    if (schema_json == nullptr) return NullArgument("schema_json");
    if (out == nullptr) return NullArgument("out");
    RAGDB_ASSIGN_OR_RETURN(ragdb::Json j, ParseJsonArg(schema_json, "schema"));
    RAGDB_ASSIGN_OR_RETURN(auto schema, ragdb::CollectionSchema::FromJson(j));
    RAGDB_ASSIGN_OR_RETURN(auto col, db->db->CreateCollection(name, schema));
    *out = new ragdb_collection{std::move(col)};
    return Status::Ok();
  });
}

ragdb_code ragdb_get_collection(ragdb_db* db, const char* name, ragdb_collection** out) {
  return Guard([&]() -> Status {
    if (db == nullptr) return NullArgument("db");
    if (name == nullptr) return NullArgument("name");
    if (out == nullptr) return NullArgument("out");
    RAGDB_ASSIGN_OR_RETURN(auto col, db->db->GetCollection(name));
    *out = new ragdb_collection{std::move(col)};
    return Status::Ok();
  });
}

ragdb_code ragdb_drop_collection(ragdb_db* db, const char* name) {
  return Guard([&]() -> Status {
    if (db == nullptr) return NullArgument("db");
    if (name == nullptr) return NullArgument("name");
    return db->db->DropCollection(name);
  });
}

void ragdb_collection_release(ragdb_collection* collection) { delete collection; }

ragdb_code ragdb_upsert_json(ragdb_collection* collection, const char* records_json) {
  return Guard([&]() -> Status {
    if (collection == nullptr) return NullArgument("collection");
    if (records_json == nullptr) return NullArgument("records_json");
    RAGDB_ASSIGN_OR_RETURN(ragdb::Json j, ParseJsonArg(records_json, "records"));
    if (!j.is_array()) return Status::InvalidArgument("records: expected a JSON array");
    std::vector<ragdb::Record> records;
    records.reserve(j.size());
    for (size_t i = 0; i < j.size(); ++i) {
      auto r = ragdb::RecordFromJson(j[i]);
      if (!r.ok()) return r.status().WithContext("records[" + std::to_string(i) + "]");
      records.push_back(std::move(*r));
    }
    return collection->col->Upsert(records);
  });
}

ragdb_code ragdb_upsert_vectors(ragdb_collection* collection, const char* field,
                                const uint64_t* ids, const float* vectors, size_t rows,
                                size_t dim) {
  return Guard([&]() -> Status {
    if (collection == nullptr) return NullArgument("collection");
    if (rows > 0 && (ids == nullptr || vectors == nullptr)) return NullArgument("ids or vectors");
    std::string name = field == nullptr ? std::string(ragdb::kDefaultVectorName) : field;
    std::vector<ragdb::Record> records(rows);
    for (size_t i = 0; i < rows; ++i) {
      records[i].id = ids[i];
      records[i].vectors[name].assign(vectors + i * dim, vectors + (i + 1) * dim);
    }
    return collection->col->Upsert(records);
  });
}

ragdb_code ragdb_delete(ragdb_collection* collection, const uint64_t* ids, size_t n,
                        uint64_t* deleted) {
  return Guard([&]() -> Status {
    if (collection == nullptr) return NullArgument("collection");
    if (n > 0 && ids == nullptr) return NullArgument("ids");
    std::vector<ragdb::PointId> points(ids, ids + n);
    RAGDB_ASSIGN_OR_RETURN(size_t count, collection->col->Delete(points));
    if (deleted != nullptr) *deleted = count;
    return Status::Ok();
  });
}

ragdb_code ragdb_delete_by_filter(ragdb_collection* collection, const char* filter,
                                  uint64_t* deleted) {
  return Guard([&]() -> Status {
    if (collection == nullptr) return NullArgument("collection");
    if (filter == nullptr) return NullArgument("filter");
    RAGDB_ASSIGN_OR_RETURN(auto f, ParseFilter(filter));
    RAGDB_ASSIGN_OR_RETURN(size_t count, collection->col->DeleteByFilter(f));
    if (deleted != nullptr) *deleted = count;
    return Status::Ok();
  });
}

ragdb_code ragdb_count(const ragdb_collection* collection, const char* filter, uint64_t* out) {
  return Guard([&]() -> Status {
    if (collection == nullptr) return NullArgument("collection");
    if (out == nullptr) return NullArgument("out");
    std::optional<ragdb::Filter> f;
    if (filter != nullptr) {
      RAGDB_ASSIGN_OR_RETURN(f, ParseFilter(filter));
    }
    RAGDB_ASSIGN_OR_RETURN(size_t count, collection->col->Count(f ? &*f : nullptr));
    *out = count;
    return Status::Ok();
  });
}

ragdb_code ragdb_get_json(const ragdb_collection* collection, uint64_t id, char** out_json) {
  return Guard([&]() -> Status {
    if (collection == nullptr) return NullArgument("collection");
    if (out_json == nullptr) return NullArgument("out_json");
    RAGDB_ASSIGN_OR_RETURN(auto record, collection->col->Get(id));
    *out_json = ragdb::capi::CopyOut(ragdb::WriteJson(ragdb::RecordToJson(record)));
    return Status::Ok();
  });
}

void ragdb_string_free(char* s) { delete[] s; }

void ragdb_search_options_init(ragdb_search_options* options) {
  if (options == nullptr) return;
  std::memset(options, 0, sizeof(*options));
  options->struct_size = sizeof(*options);
  options->k = 10;
  options->with_payload = 1;
}

ragdb_code ragdb_search(const ragdb_collection* collection, const float* vector, size_t dim,
                        const ragdb_search_options* options, ragdb_hits** out) {
  return Guard([&]() -> Status {
    if (collection == nullptr) return NullArgument("collection");
    if (vector == nullptr) return NullArgument("vector");
    if (out == nullptr) return NullArgument("out");
    RAGDB_ASSIGN_OR_RETURN(ragdb_search_options o, ReadOptions(options, ragdb_search_options_init));
    ragdb::SearchRequest request;
    if (o.field != nullptr) request.field = o.field;
    request.vector.assign(vector, vector + dim);
    request.k = o.k;
    if (o.filter != nullptr) {
      RAGDB_ASSIGN_OR_RETURN(request.filter, ParseFilter(o.filter));
    }
    request.with_payload = o.with_payload != 0;
    request.exact = o.exact != 0;
    request.ef = o.ef;
    RAGDB_ASSIGN_OR_RETURN(auto points, collection->col->Search(request));
    *out = MakeHits(points);
    return Status::Ok();
  });
}

ragdb_code ragdb_search_text(const ragdb_collection* collection, const char* query,
                             const ragdb_search_options* options, ragdb_hits** out) {
  return Guard([&]() -> Status {
    if (collection == nullptr) return NullArgument("collection");
    if (query == nullptr) return NullArgument("query");
    if (out == nullptr) return NullArgument("out");
    RAGDB_ASSIGN_OR_RETURN(ragdb_search_options o, ReadOptions(options, ragdb_search_options_init));
    ragdb::TextSearchRequest request;
    request.query = query;
    request.k = o.k;
    request.all_terms = o.all_terms != 0;
    if (o.filter != nullptr) {
      RAGDB_ASSIGN_OR_RETURN(request.filter, ParseFilter(o.filter));
    }
    request.with_payload = o.with_payload != 0;
    RAGDB_ASSIGN_OR_RETURN(auto points, collection->col->SearchText(request));
    *out = MakeHits(points);
    return Status::Ok();
  });
}

size_t ragdb_hits_count(const ragdb_hits* hits) { return hits == nullptr ? 0 : hits->hits.size(); }

int ragdb_hits_id_is_number(const ragdb_hits* hits, size_t i) {
  return hits->hits[i].id.is_number() ? 1 : 0;
}

uint64_t ragdb_hits_id(const ragdb_hits* hits, size_t i) {
  const auto& id = hits->hits[i].id;
  return id.is_number() ? id.number() : 0;
}

const char* ragdb_hits_id_string(const ragdb_hits* hits, size_t i) {
  return hits->hits[i].id_text.c_str();
}

float ragdb_hits_score(const ragdb_hits* hits, size_t i) { return hits->hits[i].score; }

const char* ragdb_hits_payload_json(const ragdb_hits* hits, size_t i) {
  return hits->hits[i].payload_json.c_str();
}

void ragdb_hits_free(ragdb_hits* hits) { delete hits; }

}  // extern "C"
