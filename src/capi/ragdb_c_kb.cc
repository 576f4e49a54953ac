// The C API's knowledge bases (ragdb_kb_*): a thin layer over include/ragdb/rag.h. Built only
// with the knowledge-base layer; ragdb_c_kb_unavailable.cc stands in for it elsewhere.
#include <memory>
#include <string>
#include <vector>

#include "capi/capi_util.h"
#include "ragdb/rag.h"
#include "ragdb/ragdb.h"

struct ragdb_kb {
  std::unique_ptr<ragdb::rag::KnowledgeBase> kb;
};

namespace {

using ragdb::Json;
using ragdb::Result;
using ragdb::Status;
using ragdb::capi::CopyOut;
using ragdb::capi::Guard;
using ragdb::capi::NullArgument;
using ragdb::capi::ReadOptions;
namespace rag = ragdb::rag;

Result<rag::RetrieveOptions> ToRetrieveOptions(const ragdb_retrieve_options* given) {
  RAGDB_ASSIGN_OR_RETURN(ragdb_retrieve_options o, ReadOptions(given, ragdb_retrieve_options_init));
  rag::RetrieveOptions r;
  if (o.k == 0) return Status::InvalidArgument("retrieve options: k must be at least 1");
  r.k = o.k;
  if (o.filter != nullptr) {
    RAGDB_ASSIGN_OR_RETURN(r.filter, ragdb::capi::ParseFilter(o.filter));
  }
  const std::string mode = o.mode == nullptr ? "hybrid" : o.mode;
  if (mode == "hybrid") {
    r.mode = rag::RetrieveMode::kHybrid;
  } else if (mode == "dense") {
    r.mode = rag::RetrieveMode::kDense;
  } else if (mode == "bm25") {
    r.mode = rag::RetrieveMode::kBm25;
  } else if (mode == "sparse") {
    r.mode = rag::RetrieveMode::kSparse;
  } else {
    return Status::InvalidArgument("retrieve options: mode '" + mode +
                                   "' is not hybrid, dense, bm25 or sparse");
  }
  if (o.reranker != nullptr) r.reranker = o.reranker;
  return r;
}

}  // namespace

extern "C" {

void ragdb_kb_options_init(ragdb_kb_options* options) {
  if (options == nullptr) return;
  rag::KbOptions defaults;
  std::memset(options, 0, sizeof(*options));
  options->struct_size = sizeof(*options);
  options->chunk_size = defaults.chunk_size;
  options->chunk_overlap = defaults.overlap;
}

ragdb_code ragdb_kb_open(ragdb_db* db, const char* name, const ragdb_kb_options* options,
                         ragdb_kb** out) {
  return Guard([&]() -> Status {
    if (db == nullptr) return NullArgument("db");
    if (name == nullptr) return NullArgument("name");
    if (out == nullptr) return NullArgument("out");
    RAGDB_ASSIGN_OR_RETURN(ragdb_kb_options o, ReadOptions(options, ragdb_kb_options_init));
    rag::KbOptions kb_options;
    if (o.embedder != nullptr) kb_options.embedder = o.embedder;
    if (o.image_embedder != nullptr) kb_options.image_embedder = o.image_embedder;
    if (o.sparse_embedder != nullptr) kb_options.sparse_embedder = o.sparse_embedder;
    if (o.chunk_size == 0) return Status::InvalidArgument("kb options: chunk_size must be >= 1");
    if (o.chunk_overlap >= o.chunk_size) {
      return Status::InvalidArgument(
          "kb options: chunk_overlap " + std::to_string(o.chunk_overlap) +
          " must be smaller than chunk_size " + std::to_string(o.chunk_size));
    }
    kb_options.chunk_size = o.chunk_size;
    kb_options.overlap = o.chunk_overlap;
    RAGDB_ASSIGN_OR_RETURN(auto kb, rag::KnowledgeBase::OpenOrCreate(*db->db, name, kb_options));
    *out = new ragdb_kb{std::move(kb)};
    return Status::Ok();
  });
}

void ragdb_kb_release(ragdb_kb* kb) { delete kb; }

ragdb_code ragdb_kb_drop(ragdb_db* db, const char* name) {
  return Guard([&]() -> Status {
    if (db == nullptr) return NullArgument("db");
    if (name == nullptr) return NullArgument("name");
    return rag::KnowledgeBase::Drop(*db->db, name);
  });
}

ragdb_code ragdb_kb_ingest_path(ragdb_kb* kb, const char* path, char** out_json) {
  return Guard([&]() -> Status {
    if (kb == nullptr) return NullArgument("kb");
    if (path == nullptr) return NullArgument("path");
    if (out_json == nullptr) return NullArgument("out_json");
    RAGDB_ASSIGN_OR_RETURN(rag::IngestSummary summary,
                           kb->kb->IngestPaths({path}, rag::IngestOptions{}));
    *out_json = CopyOut(ragdb::WriteJson(summary.ToJson()));
    return Status::Ok();
  });
}

ragdb_code ragdb_kb_ingest_text(ragdb_kb* kb, const char* source, const char* text,
                                const char* metadata_json, char** out_json) {
  return Guard([&]() -> Status {
    if (kb == nullptr) return NullArgument("kb");
    if (source == nullptr) return NullArgument("source");
    if (text == nullptr) return NullArgument("text");
    if (out_json == nullptr) return NullArgument("out_json");
    Json metadata = Json::object();
    if (metadata_json != nullptr) {
      RAGDB_ASSIGN_OR_RETURN(metadata, ragdb::capi::ParseJsonArg(metadata_json, "metadata"));
      if (!metadata.is_object()) return Status::InvalidArgument("metadata: expected a JSON object");
    }
    RAGDB_ASSIGN_OR_RETURN(rag::IngestResult r, kb->kb->IngestText(source, text, metadata));
    Json j = {{"source", r.source},
              {"status", r.status},
              {"doc_id", r.doc_id},
              {"chunks", r.chunks},
              {"bytes", r.bytes}};
    if (!r.reason.empty()) j["reason"] = r.reason;
    *out_json = CopyOut(ragdb::WriteJson(j));
    return Status::Ok();
  });
}

void ragdb_retrieve_options_init(ragdb_retrieve_options* options) {
  if (options == nullptr) return;
  std::memset(options, 0, sizeof(*options));
  options->struct_size = sizeof(*options);
  options->k = rag::RetrieveOptions{}.k;
}

ragdb_code ragdb_kb_retrieve(const ragdb_kb* kb, const char* query,
                             const ragdb_retrieve_options* options, char** out_json) {
  return Guard([&]() -> Status {
    if (kb == nullptr) return NullArgument("kb");
    if (query == nullptr) return NullArgument("query");
    if (out_json == nullptr) return NullArgument("out_json");
    RAGDB_ASSIGN_OR_RETURN(rag::RetrieveOptions r, ToRetrieveOptions(options));
    RAGDB_ASSIGN_OR_RETURN(auto items, kb->kb->Retrieve(query, r));
    Json j = Json::array();
    for (const auto& item : items) j.push_back(item.ToJson());
    *out_json = CopyOut(ragdb::WriteJson(j));
    return Status::Ok();
  });
}

void ragdb_llm_options_init(ragdb_llm_options* options) {
  if (options == nullptr) return;
  rag::LlmConfig defaults;
  std::memset(options, 0, sizeof(*options));
  options->struct_size = sizeof(*options);
  options->timeout_ms = defaults.timeout_ms;
  options->temperature = defaults.temperature;
  options->max_tokens = defaults.max_tokens;
}

ragdb_code ragdb_kb_ask(const ragdb_kb* kb, const char* question,
                        const ragdb_retrieve_options* retrieve, const ragdb_llm_options* llm,
                        char** out_json) {
  return Guard([&]() -> Status {
    if (kb == nullptr) return NullArgument("kb");
    if (question == nullptr) return NullArgument("question");
    if (out_json == nullptr) return NullArgument("out_json");
    rag::AskOptions ask;
    RAGDB_ASSIGN_OR_RETURN(ask.retrieve, ToRetrieveOptions(retrieve));
    if (llm != nullptr) {
      RAGDB_ASSIGN_OR_RETURN(ragdb_llm_options o, ReadOptions(llm, ragdb_llm_options_init));
      if (o.base_url != nullptr) ask.llm.base_url = o.base_url;
      if (o.model != nullptr) ask.llm.model = o.model;
      if (o.api_key != nullptr) ask.llm.api_key = o.api_key;
      ask.llm.timeout_ms = o.timeout_ms;
      ask.llm.temperature = o.temperature;
      ask.llm.max_tokens = o.max_tokens;
      if (!ask.llm.enabled()) {
        return Status::InvalidArgument(
            "llm options: set base_url (an OpenAI-compatible endpoint) or model \"local:NAME\", "
            "or pass NULL for an extractive answer");
      }
    }
    RAGDB_ASSIGN_OR_RETURN(rag::Answer answer, rag::Ask(*kb->kb, question, ask));
    *out_json = CopyOut(ragdb::WriteJson(answer.ToJson()));
    return Status::Ok();
  });
}

}  // extern "C"
