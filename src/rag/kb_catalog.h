// Shared handles to the knowledge bases of one database, for long-running processes that serve
// many requests at once (the HTTP server, MCP). A knowledge base is opened once and every caller
// shares it: loading its embedder can take seconds, and its ingestion lock only serializes the
// writers of a KB if they all go through the same KnowledgeBase object.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "ragdb/database.h"
#include "ragdb/rag.h"

namespace ragdb::rag {

class KbCatalog {
 public:
  // `db` must outlive the catalog.
  explicit KbCatalog(Database& db) : db_(db) {}

  Database& db() const { return db_; }

  // NotFound when the knowledge base does not exist.
  Result<std::shared_ptr<KnowledgeBase>> Open(const std::string& name);
  // AlreadyExists when it exists.
  // `sample_text` as for KnowledgeBase::Create.
  Result<std::shared_ptr<KnowledgeBase>> Create(const std::string& name, const KbOptions& options,
                                                std::string_view sample_text = {});
  Result<std::shared_ptr<KnowledgeBase>> OpenOrCreate(const std::string& name,
                                                      const KbOptions& options,
                                                      std::string_view sample_text = {});
  // NotFound when it does not exist. Handles held by callers stay valid objects, but their
  // collections are gone: their next read or write fails.
  Status Drop(const std::string& name);
  std::vector<std::string> List() const { return KnowledgeBase::List(db_); }

 private:
  // The cached handle when it still refers to the database's current collections (a KB may be
  // dropped and created again through the collections API behind the catalog's back).
  std::shared_ptr<KnowledgeBase> CachedLocked(const std::string& name);
  std::shared_ptr<KnowledgeBase> RememberLocked(const std::string& name,
                                                std::unique_ptr<KnowledgeBase> kb);

  Database& db_;
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<KnowledgeBase>> open_;
};

}  // namespace ragdb::rag
