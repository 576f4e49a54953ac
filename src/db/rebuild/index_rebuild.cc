// Changing index parameters of a live collection (Collection::UpdateVectorIndex) and the
// background rebuild that follows, plus dropping payload indexes.
//
// The schema changes at once (durably, in the manifest); sealed segments keep serving with the
// indexes they have. One thread per collection then takes the segments whose manifest entry
// records other parameters than the schema's, one at a time: it copies the segment file with new
// index sections, without any lock (segment files are immutable), opens the copy, and swaps it in
// as the write leader: the copy takes the old segment's tombstones (rows are the same), the
// manifest names the copy, and the old file is removed. A crash at any point leaves either the old
// entry or the new one; the rebuild resumes when the collection opens again.
#include <cstdio>

#include "base/file.h"
#include "db/collection_impl.h"
#include "db/vector_segment_index.h"

namespace ragdb::db {

Json IndexParamsOf(const CollectionSchema& schema) {
  Json out = Json::object();
  Json j = schema.ToJson();
  for (const auto& v : j["vectors"]) out[v["name"].get<std::string>()] = v["index"];
  return out;
}

bool CollectionImpl::NeedsRebuild(const storage::ManifestSegment& entry) const {
  if (entry.index_params.is_null()) return false;  // older than this record: taken as current
  return entry.index_params != IndexParamsOf(schema_);
}

size_t CollectionImpl::SegmentsPendingRebuild() const {
  size_t n = 0;
  for (const auto& e : manifest_.segments) n += NeedsRebuild(e);
  return n;
}

Status CollectionImpl::UpdateVectorIndex(const std::string& field, const IndexParams& params) {
  RAGDB_RETURN_IF_ERROR(RunAsWriteLeader([&]() -> Status {
    const VectorField* f = schema_.FindVector(field);
    if (f == nullptr) {
      return Status::InvalidArgument("collection '" + name_ + "' has no vector field '" + field +
                                     "'");
    }
    CollectionSchema updated = schema_;
    updated.vectors[static_cast<size_t>(f - schema_.vectors.data())].index = params;
    RAGDB_RETURN_IF_ERROR(updated.Validate());
    // Segments that recorded nothing were built for the parameters in force until now.
    const Json before = IndexParamsOf(schema_);
    storage::Manifest next = manifest_;
    for (auto& e : next.segments) {
      if (e.index_params.is_null()) e.index_params = before;
    }
    next.schema = updated.ToJson();
    RAGDB_RETURN_IF_ERROR(storage::WriteManifest(dir_, next));
    manifest_ = std::move(next);
    schema_ = std::move(updated);
    return Status::Ok();
  }));
  StartRebuild();
  return Status::Ok();
}

Status CollectionImpl::DropPayloadIndex(const std::string& path) {
  return RunAsWriteLeader([&]() -> Status {
    if (schema_.FindPayloadIndex(path) == nullptr) {
      return Status::NotFound("collection '" + name_ + "' has no payload index on '" + path + "'");
    }
    CollectionSchema updated = schema_;
    std::erase_if(updated.payload_indexes,
                  [&](const PayloadIndexField& p) { return p.path == path; });
    storage::Manifest next = manifest_;
    next.schema = updated.ToJson();
    RAGDB_RETURN_IF_ERROR(storage::WriteManifest(dir_, next));
    manifest_ = std::move(next);
    schema_ = std::move(updated);
    for (auto& s : sealed_) s->DropPayloadIndex(path);
    return Status::Ok();
  });
}

void CollectionImpl::StartRebuild() {
  if (!options_.rebuild_indexes_in_background) return;
  std::lock_guard lock(rebuild_mu_);
  if (rebuild_running_) {
    rebuild_again_ = true;
    return;
  }
  if (rebuild_thread_.joinable()) rebuild_thread_.join();  // a finished run
  rebuild_running_ = true;
  rebuild_again_ = false;
  rebuild_thread_ = std::thread([this] { RebuildLoop(); });
}

void CollectionImpl::StopRebuild() {
  rebuild_stop_ = true;
  std::thread t;
  {
    std::lock_guard lock(rebuild_mu_);
    t = std::move(rebuild_thread_);
  }
  if (t.joinable()) t.join();
}

void CollectionImpl::RebuildLoop() {
  for (;;) {
    bool more = false;
    if (!rebuild_stop_) {
      Result<bool> r = RebuildOne();
      if (!r.ok()) {
        // The segments stay as they are (and keep serving); the next StartRebuild (a parameter
        // change, or opening the collection) tries again.
        fprintf(stderr, "ragdb: collection '%s': index rebuild failed: %s\n", name_.c_str(),
                r.status().ToString().c_str());
      }
      more = r.ok() && *r;
    }
    if (more) continue;
    std::lock_guard lock(rebuild_mu_);
    if (rebuild_again_ && !rebuild_stop_) {
      rebuild_again_ = false;
      continue;
    }
    rebuild_running_ = false;
    return;
  }
}

Result<bool> CollectionImpl::RebuildOne() {
  // 1. Pick a pending segment and reserve the copy's file name.
  std::string old_file, new_file;
  CollectionSchema schema;
  std::vector<size_t> fields;
  {
    std::unique_lock lock(data_mu_);  // brief: NewFileName advances the manifest's counter
    if (dropped_) return false;
    const Json wanted = IndexParamsOf(schema_);
    for (const auto& e : manifest_.segments) {
      if (!NeedsRebuild(e)) continue;
      old_file = e.file;
      for (size_t f = 0; f < schema_.vectors.size(); ++f) {
        const std::string& name = schema_.vectors[f].name;
        if (!e.index_params.contains(name) || e.index_params[name] != wanted[name]) {
          fields.push_back(f);
        }
      }
      break;
    }
    if (old_file.empty()) return false;
    schema = schema_;
    new_file = NewFileName("seg-", ".rseg");
  }
  // 2. Build the copy and open it, without locks: searches and writes go on meanwhile.
  const std::string new_path = JoinPath(dir_, new_file);
  Status built = RewriteVectorIndexes(JoinPath(dir_, old_file), new_path, schema, fields);
  if (!built.ok()) {
    (void)RemoveFile(new_path);
    // A segment merged away meanwhile (its file is gone) needs nothing; any other failure stops.
    std::shared_lock lock(data_mu_);
    for (const auto& e : manifest_.segments) {
      if (e.file == old_file) return built;
    }
    return true;
  }
  auto opened = SealedSegment::Open(new_path, schema);
  if (!opened.ok()) {
    (void)RemoveFile(new_path);
    return opened.status();
  }
  std::unique_ptr<SealedSegment> fresh = std::move(opened).value();
  // 3. Swap it in, unless the segment or the parameters changed meanwhile.
  bool swapped = false;
  Status s = RunAsWriteLeader([&]() -> Status {
    size_t i = 0;
    while (i < manifest_.segments.size() && manifest_.segments[i].file != old_file) ++i;
    if (i == manifest_.segments.size() || IndexParamsOf(schema_) != IndexParamsOf(schema)) {
      return Status::Ok();  // merged away, or changed again: the loop looks once more
    }
    SealedSegment* old = sealed_[i].get();
    fresh->SetTombstones(old->deleted().words());
    fresh->tombstones_dirty = old->tombstones_dirty;
    storage::Manifest next = manifest_;
    next.segments[i].file = new_file;
    next.segments[i].index_params = IndexParamsOf(schema_);
    next.schema = schema_.ToJson();
    RAGDB_RETURN_IF_ERROR(storage::WriteManifest(dir_, next));
    manifest_ = std::move(next);
    // Live rows of the old segment now live at the same row of the copy.
    old->LiveRows().ForEach([&](size_t r) {
      auto it = locations_.find(old->id(r));
      if (it != locations_.end() && it->second.segment == old) it->second.segment = fresh.get();
    });
    sealed_[i] = std::move(fresh);
    swapped = true;
    return Status::Ok();
  });
  if (!swapped) {
    (void)RemoveFile(new_path);
    return s.ok() || s.code() == StatusCode::kFailedPrecondition ? Result<bool>(s.ok())
                                                                 : Result<bool>(s);
  }
  (void)RemoveFile(JoinPath(dir_, old_file));
  return true;
}

}  // namespace ragdb::db
