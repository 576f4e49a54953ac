#include "server/upload_log.h"

#include <chrono>

namespace ragdb::server {

void UploadLog::Add(const std::string& tenant, const std::string& kb, Json entry) {
  const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  std::lock_guard<std::mutex> lock(mu_);
  entry["id"] = next_id_++;
  entry["finished_at"] = now;
  auto& list = entries_[{tenant, kb}];
  list.push_front(std::move(entry));
  if (list.size() > kUploadsKept) list.pop_back();
}

std::vector<Json> UploadLog::Recent(const std::string& tenant, const std::string& kb) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find({tenant, kb});
  if (it == entries_.end()) return {};
  return {it->second.begin(), it->second.end()};
}

void UploadLog::Forget(const std::string& tenant, const std::string& kb) {
  std::lock_guard<std::mutex> lock(mu_);
  entries_.erase({tenant, kb});
}

}  // namespace ragdb::server
