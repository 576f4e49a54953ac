// The outcomes of recent uploads to knowledge bases, kept in memory per tenant and knowledge
// base (the newest kUploadsKept), so that the web console can show files that could not be
// ingested, with their reason and the time each stage took, to every browser tab. A failed file
// leaves nothing in the database, so this log is the only place its error is kept; it lasts as
// long as the server process.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "ragdb/json.h"

namespace ragdb::server {

class UploadLog {
 public:
  static constexpr size_t kUploadsKept = 200;

  // `entry`: the document's result as the upload endpoint answers it (source, status, reason,
  // doc_id, chunks, ...) plus "timings_ms" per stage; "id" and "finished_at" are added here.
  void Add(const std::string& tenant, const std::string& kb, Json entry);
  // Newest first.
  std::vector<Json> Recent(const std::string& tenant, const std::string& kb) const;
  // Called when the knowledge base is dropped.
  void Forget(const std::string& tenant, const std::string& kb);

 private:
  mutable std::mutex mu_;
  uint64_t next_id_ = 1;
  std::map<std::pair<std::string, std::string>, std::deque<Json>> entries_;
};

}  // namespace ragdb::server
