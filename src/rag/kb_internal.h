// Shared internals of the knowledge-base implementation (knowledge_base.cc, kb_ingest.cc,
// retriever.cc): the Impl behind KnowledgeBase and the naming of its collections and records.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "ragdb/database.h"
#include "ragdb/model.h"
#include "ragdb/rag.h"

namespace ragdb::rag {

inline constexpr const char* kDenseField = "dense";
inline constexpr const char* kImageField = "image";    // pictures, with an image embedder
inline constexpr const char* kSparseField = "sparse";  // with a sparse embedder
inline constexpr const char* kConfigRowId = "_config";

inline std::string ChunksCollectionName(const std::string& kb) { return "kb." + kb; }
inline std::string DocsCollectionName(const std::string& kb) { return "kb." + kb + ".docs"; }

struct KnowledgeBase::Impl {
  Database* db = nullptr;
  std::string name;
  KbOptions options;
  std::shared_ptr<Collection> chunks;
  std::shared_ptr<Collection> docs;
  std::unique_ptr<Embedder> embedder;
  std::unique_ptr<Embedder> image_embedder;  // null unless options.image_embedder is set
  // Rerankers are loaded on first use and kept (loading a model folder takes seconds).
  mutable std::mutex reranker_mu;
  mutable std::map<std::string, std::unique_ptr<Reranker>> rerankers;
  // Serializes ingestion into this KB (versions are read-modify-write per document).
  std::mutex ingest_mu;
};

// "d" + 16 hex digits of SHA-256(source): stable, cwd-independent when source is absolute.
std::string DocIdForSource(const std::string& source);
std::string ChunkId(const std::string& doc_id, int64_t version, size_t index);

}  // namespace ragdb::rag
