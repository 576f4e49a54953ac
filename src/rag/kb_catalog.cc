#include "rag/kb_catalog.h"

namespace ragdb::rag {

std::shared_ptr<KnowledgeBase> KbCatalog::CachedLocked(const std::string& name) {
  auto it = open_.find(name);
  if (it == open_.end()) return nullptr;
  if (it->second->IsCurrent()) return it->second;
  open_.erase(it);
  return nullptr;
}

std::shared_ptr<KnowledgeBase> KbCatalog::RememberLocked(const std::string& name,
                                                         std::unique_ptr<KnowledgeBase> kb) {
  std::shared_ptr<KnowledgeBase> shared = std::move(kb);
  open_[name] = shared;
  return shared;
}

Result<std::shared_ptr<KnowledgeBase>> KbCatalog::Open(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  if (auto kb = CachedLocked(name)) return kb;
  RAGDB_ASSIGN_OR_RETURN(std::unique_ptr<KnowledgeBase> kb, KnowledgeBase::Open(db_, name));
  return RememberLocked(name, std::move(kb));
}

Result<std::shared_ptr<KnowledgeBase>> KbCatalog::Create(const std::string& name,
                                                         const KbOptions& options,
                                                         std::string_view sample_text) {
  std::lock_guard<std::mutex> lock(mu_);
  RAGDB_ASSIGN_OR_RETURN(std::unique_ptr<KnowledgeBase> kb,
                         KnowledgeBase::Create(db_, name, options, sample_text));
  return RememberLocked(name, std::move(kb));
}

Result<std::shared_ptr<KnowledgeBase>> KbCatalog::OpenOrCreate(const std::string& name,
                                                               const KbOptions& options,
                                                               std::string_view sample_text) {
  std::lock_guard<std::mutex> lock(mu_);
  if (auto kb = CachedLocked(name)) return kb;
  RAGDB_ASSIGN_OR_RETURN(std::unique_ptr<KnowledgeBase> kb,
                         KnowledgeBase::OpenOrCreate(db_, name, options, sample_text));
  return RememberLocked(name, std::move(kb));
}

Status KbCatalog::Drop(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  open_.erase(name);
  return KnowledgeBase::Drop(db_, name);
}

}  // namespace ragdb::rag
