#include "db/replication.h"

#include "db/collection_impl.h"

namespace ragdb::db {
namespace {

Result<CollectionImpl*> Local(Collection& c) {
  auto* impl = dynamic_cast<CollectionImpl*>(&c);
  if (impl == nullptr) {
    return Status::InvalidArgument("collection '" + c.name() + "' is not a local collection");
  }
  return impl;
}

Result<const CollectionImpl*> Local(const Collection& c) {
  auto* impl = dynamic_cast<const CollectionImpl*>(&c);
  if (impl == nullptr) {
    return Status::InvalidArgument("collection '" + c.name() + "' is not a local collection");
  }
  return impl;
}

}  // namespace

Result<std::vector<Record>> PrepareRecords(const Collection& c, std::span<const Record> records) {
  RAGDB_ASSIGN_OR_RETURN(auto* impl, Local(c));
  return impl->PrepareForCopies(records);
}

Status UpsertPrepared(Collection& c, std::vector<Record> records) {
  RAGDB_ASSIGN_OR_RETURN(auto* impl, Local(c));
  return impl->UpsertPrepared(std::move(records));
}

Result<CheckpointFileList> CheckpointFiles(Collection& c) {
  RAGDB_ASSIGN_OR_RETURN(auto* impl, Local(c));
  CheckpointFileList out;
  out.dir = impl->dir();
  RAGDB_ASSIGN_OR_RETURN(out.files, impl->CheckpointAndListFiles());
  return out;
}

Result<text::CollectionStats> TextStatistics(const Collection& c,
                                             const TextSearchRequest& request) {
  RAGDB_ASSIGN_OR_RETURN(auto* impl, Local(c));
  return impl->TextStats(request);
}

Result<std::vector<ScoredPoint>> SearchTextWithStats(const Collection& c,
                                                     const TextSearchRequest& request,
                                                     const text::CollectionStats& stats) {
  RAGDB_ASSIGN_OR_RETURN(auto* impl, Local(c));
  return impl->SearchTextWithStats(request, stats);
}

}  // namespace ragdb::db
