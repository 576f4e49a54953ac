#include "db/collection_impl.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>

#include "base/bytes.h"
#include "base/file.h"
#include "base/utf8.h"
#include "simd/distance.h"
#include "simd/elements.h"
#include "storage/record_codec.h"
#include "storage/segment_file.h"

namespace ragdb::db {
namespace {

std::string RecordLabel(size_t index, const PointId& id) {
  return "record " + std::to_string(index) + " (id " + id.ToString() + ")";
}

std::string VectorLabel(const std::string& name) {
  return name.empty() ? "the vector" : "vector '" + name + "'";
}

// A file name carries a zero-padded number so that names sort in creation order.
std::string Numbered(const std::string& prefix, uint64_t n, const std::string& suffix) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%012llu", static_cast<unsigned long long>(n));
  return prefix + buf + suffix;
}

// The element types of a schema's vector fields, or nothing when all are float32: such
// collections keep writing plain kUpsert frames, which every ragdb version reads.
std::optional<storage::VectorTypes> TypedVectors(const CollectionSchema& schema) {
  storage::VectorTypes types;
  bool any = false;
  for (const auto& v : schema.vectors) {
    types[v.name] = v.element_type;
    any |= v.element_type != ElementType::kFloat32;
  }
  if (!any) return std::nullopt;
  return types;
}

// Encodes an upsert as the log frame the schema calls for, and returns the frame's type: kUpsert
// when every dense field is float32 and there is no multi-vector field (every ragdb version
// reads it), kUpsertTyped with compact element types, kUpsertMulti with multi-vector fields.
storage::WalRecordType EncodeUpsertPayload(const CollectionSchema& schema,
                                           const std::vector<Record>& records, std::string* out) {
  auto types = TypedVectors(schema);
  const bool multi = !schema.multi_vectors.empty();
  if (multi && !types) types.emplace();  // the typed form; unlisted fields are float32
  PutVarint(out, records.size());
  for (const Record& r : records) {
    storage::EncodeRecord(r, out, types ? &*types : nullptr);
    if (multi) storage::EncodeMultiVectors(r, out);
  }
  if (multi) return storage::WalRecordType::kUpsertMulti;
  return types ? storage::WalRecordType::kUpsertTyped : storage::WalRecordType::kUpsert;
}

void EncodeDeletePayload(const std::vector<PointId>& ids, std::string* out) {
  PutVarint(out, ids.size());
  for (const PointId& id : ids) storage::EncodeId(id, out);
}

}  // namespace

CollectionImpl::CollectionImpl(std::string dir, std::string name, CollectionSchema schema,
                               DatabaseOptions options)
    : dir_(std::move(dir)),
      name_(std::move(name)),
      options_(options),
      schema_(std::move(schema)),
      growing_(std::make_unique<GrowingSegment>(schema_)) {}

CollectionImpl::~CollectionImpl() { StopRebuild(); }

Result<std::shared_ptr<CollectionImpl>> CollectionImpl::Create(const std::string& dir,
                                                               const std::string& name,
                                                               const CollectionSchema& schema,
                                                               const DatabaseOptions& options) {
  RAGDB_RETURN_IF_ERROR(schema.Validate());
  if (FileExists(dir)) return Status::AlreadyExists("collection '" + name + "' already exists");
  std::shared_ptr<CollectionImpl> c(new CollectionImpl(dir, name, schema, options));
  for (size_t f = 0; f < schema.vectors.size(); ++f) {
    RAGDB_RETURN_IF_ERROR(c->FieldEmbedder(f).status());  // a bad spec fails the create
  }
  RAGDB_RETURN_IF_ERROR(CreateDirs(dir));
  c->manifest_.schema = schema.ToJson();
  std::string wal_name = c->NewFileName("wal-", ".log");
  RAGDB_ASSIGN_OR_RETURN(c->wal_, storage::WalWriter::Create(JoinPath(dir, wal_name)));
  RAGDB_RETURN_IF_ERROR(c->WriteCurrentManifest(wal_name));
  RAGDB_RETURN_IF_ERROR(SyncDir(DirName(dir)));
  return c;
}

Result<std::shared_ptr<CollectionImpl>> CollectionImpl::Open(const std::string& dir,
                                                             const std::string& name,
                                                             const DatabaseOptions& options,
                                                             std::vector<std::string>* notes) {
  RAGDB_ASSIGN_OR_RETURN(storage::Manifest manifest, storage::ReadManifest(dir));
  auto schema = CollectionSchema::FromJson(manifest.schema);
  if (!schema.ok()) {
    return Status::Corruption(JoinPath(dir, storage::kManifestName) +
                              ": bad schema: " + schema.status().message());
  }
  std::shared_ptr<CollectionImpl> c(new CollectionImpl(dir, name, *schema, options));
  c->manifest_ = manifest;
  for (const auto& entry : manifest.segments) {
    std::string path = JoinPath(dir, entry.file);
    RAGDB_ASSIGN_OR_RETURN(auto seg, SealedSegment::Open(path, c->schema_, c->frugal()));
    if (seg->rows() != entry.rows) {
      return Status::Corruption(path + ": has " + std::to_string(seg->rows()) +
                                " rows, the manifest says " + std::to_string(entry.rows));
    }
    if (!entry.del_file.empty()) {
      RAGDB_ASSIGN_OR_RETURN(auto words,
                             storage::ReadTombstones(JoinPath(dir, entry.del_file), entry.rows));
      seg->SetTombstones(std::move(words));
    }
    c->sealed_.push_back(std::move(seg));
  }
  c->RebuildLocations();
  c->last_seq_ = manifest.checkpoint_seq;

  // Replay the log: everything after the checkpoint.
  if (manifest.wal_files.empty()) {
    return Status::Corruption(JoinPath(dir, storage::kManifestName) + ": lists no log file");
  }
  storage::WalReadStats stats;
  for (const std::string& wal_name : manifest.wal_files) {
    std::string path = JoinPath(dir, wal_name);
    RAGDB_RETURN_IF_ERROR(storage::ReadWal(
        path,
        [&](uint64_t seq, storage::WalRecordType type, std::string_view payload) -> Status {
          if (seq <= c->last_seq_) return Status::Ok();  // already in the segments
          c->last_seq_ = seq;
          return c->ApplyWalRecord(type, payload);
        },
        &stats));
    if (stats.dropped_bytes > 0) {
      notes->push_back("collection '" + name + "': dropped a torn tail of " +
                       std::to_string(stats.dropped_bytes) + " bytes at the end of " + path +
                       " (a write that was never acknowledged)");
    }
  }
  // Read-only: the log was replayed into memory; no writer, no clean-up, no rebuilds.
  if (options.read_only) return c;
  std::string last_wal = JoinPath(dir, manifest.wal_files.back());
  if (stats.valid_length < storage::kWalHeaderSize) {
    RAGDB_RETURN_IF_ERROR(RemoveFile(last_wal));
    RAGDB_ASSIGN_OR_RETURN(c->wal_, storage::WalWriter::Create(last_wal));
  } else {
    RAGDB_ASSIGN_OR_RETURN(c->wal_,
                           storage::WalWriter::OpenForAppend(last_wal, stats.valid_length));
  }

  // Remove files a crash left behind: anything the manifest does not name.
  auto names = ListDir(dir);
  if (names.ok()) {
    std::set<std::string> live{storage::kManifestName};
    for (const auto& s : manifest.segments) {
      live.insert(s.file);
      if (!s.del_file.empty()) live.insert(s.del_file);
    }
    live.insert(manifest.wal_files.begin(), manifest.wal_files.end());
    for (const auto& n : *names) {
      if (!live.count(n)) (void)RemoveFile(JoinPath(dir, n));
    }
  }
  if (c->SegmentsPendingRebuild() > 0) c->StartRebuild();  // a rebuild a restart interrupted
  return c;
}

void CollectionImpl::RebuildLocations() {
  locations_.clear();
  std::vector<Segment*> all;
  for (auto& s : sealed_) all.push_back(s.get());
  all.push_back(growing_.get());
  for (Segment* s : all) {
    for (size_t r = 0; r < s->rows(); ++r) {
      if (s->deleted().Test(r)) continue;
      auto [it, inserted] = locations_.try_emplace(s->id(r), Location{s, static_cast<uint32_t>(r)});
      if (!inserted) {  // a newer copy wins (segments are in write order)
        it->second.segment->MarkDeleted(it->second.row);
        it->second = Location{s, static_cast<uint32_t>(r)};
      }
    }
  }
}

Status CollectionImpl::CheckAlive() const {
  if (dropped_) return Status::FailedPrecondition("collection '" + name_ + "' was dropped");
  return Status::Ok();
}

Status CollectionImpl::CheckWritable() const {
  if (!options_.read_only) return Status::Ok();
  return Status::FailedPrecondition("collection '" + name_ + "' is open read-only");
}

void CollectionImpl::MarkDropped() {
  {
    std::unique_lock lock(data_mu_);
    dropped_ = true;
  }
  StopRebuild();
}

CollectionSchema CollectionImpl::schema() const {
  std::shared_lock lock(data_mu_);
  return schema_;
}

std::string CollectionImpl::NewFileName(const std::string& prefix, const std::string& suffix) {
  return Numbered(prefix, manifest_.next_file_id++, suffix);
}

Status CollectionImpl::WriteCurrentManifest(const std::string& wal_file) {
  manifest_.schema = schema_.ToJson();
  manifest_.checkpoint_seq = last_seq_;
  manifest_.wal_files = {wal_file};
  return storage::WriteManifest(dir_, manifest_);
}

// ---- validation ----

Result<std::vector<Record>> CollectionImpl::Prepare(std::span<const Record> records) const {
  if (records.size() > options_.max_batch_records) {
    return Status::ResourceExhausted("batch of " + std::to_string(records.size()) +
                                     " records is over the limit of " +
                                     std::to_string(options_.max_batch_records));
  }
  std::vector<Record> out(records.begin(), records.end());
  std::shared_lock lock(data_mu_);
  RAGDB_RETURN_IF_ERROR(CheckAlive());
  RAGDB_RETURN_IF_ERROR(EmbedMissingVectors(schema_, &out));
  bool any_embedder = false;
  for (const VectorField& f : schema_.vectors) any_embedder |= !f.embedder.empty();
  for (const SparseVectorField& f : schema_.sparse_vectors) any_embedder |= !f.embedder.empty();
  for (const MultiVectorField& f : schema_.multi_vectors) any_embedder |= !f.embedder.empty();
  for (size_t i = 0; i < out.size(); ++i) {
    Record& r = out[i];
    auto fail = [&](const std::string& what) {
      return Status::InvalidArgument(RecordLabel(i, r.id) + ": " + what);
    };
    // Text with nowhere to go would be kept but never searched.
    if (r.text && !schema_.text && !any_embedder) {
      return fail("has \"text\", but collection '" + name_ +
                  "' has no text field to index it and no embedder to embed it (create the "
                  "collection with --text or --embedder, or leave \"text\" out)");
    }
    if (!r.id.is_number() &&
        (r.id.str().empty() || r.id.str().size() > PointId::kMaxStringIdBytes)) {
      return fail("string ids must have 1.." + std::to_string(PointId::kMaxStringIdBytes) +
                  " bytes");
    }
    size_t bytes = 0;
    for (auto& [name, v] : r.vectors) {
      const VectorField* field = schema_.FindVector(name);
      if (field == nullptr && schema_.FindMultiVector(name) != nullptr) {
        return fail(VectorLabel(name) + " is a multi-vector field: give an array of vectors");
      }
      if (field == nullptr) {
        return fail("unknown " + VectorLabel(name) + " (collection '" + name_ + "' has " +
                    std::to_string(schema_.vectors.size()) + " vector field(s))");
      }
      if (v.size() != field->dim) {
        return fail(VectorLabel(name) + " has dimension " + std::to_string(v.size()) +
                    ", expected " + std::to_string(field->dim));
      }
      for (size_t k = 0; k < v.size(); ++k) {
        if (!std::isfinite(v[k])) {
          return fail(VectorLabel(name) + " component " + std::to_string(k) + " is " +
                      (std::isnan(v[k]) ? "NaN" : "infinite"));
        }
      }
      // Float rows under cosine are stored unit length (then rounded, for float16); integer and
      // binary rows keep their values, which must fit the type as given.
      const bool float_rows = field->element_type == ElementType::kFloat32 ||
                              field->element_type == ElementType::kFloat16;
      if (field->metric == Metric::kCosine && float_rows) simd::Normalize(v.data(), v.size());
      std::string why;
      size_t bad = simd::CheckElements(field->element_type, v.data(), v.size(), &why);
      if (bad < v.size()) {
        return fail(VectorLabel(name) + " component " + std::to_string(bad) + " " + why);
      }
      bytes += simd::ElementRowBytes(field->element_type, v.size());
    }
    for (auto& [name, sv] : r.sparse_vectors) {
      bool known = false;
      for (const auto& f : schema_.sparse_vectors) known |= f.name == name;
      if (!known) return fail("unknown sparse vector '" + name + "'");
      if (sv.indices.size() != sv.values.size()) {
        return fail("sparse vector '" + name + "' has " + std::to_string(sv.indices.size()) +
                    " indices but " + std::to_string(sv.values.size()) + " values");
      }
      std::vector<std::pair<uint32_t, float>> pairs;
      for (size_t k = 0; k < sv.indices.size(); ++k) {
        if (!std::isfinite(sv.values[k])) {
          return fail("sparse vector '" + name + "' has a non-finite value");
        }
        pairs.emplace_back(sv.indices[k], sv.values[k]);
      }
      std::sort(pairs.begin(), pairs.end());
      for (size_t k = 0; k < pairs.size(); ++k) {
        if (k > 0 && pairs[k].first == pairs[k - 1].first) {
          return fail("sparse vector '" + name + "' repeats index " +
                      std::to_string(pairs[k].first));
        }
        sv.indices[k] = pairs[k].first;
        sv.values[k] = pairs[k].second;
      }
      bytes += sv.indices.size() * 8;
    }
    for (auto& [name, m] : r.multi_vectors) {
      const MultiVectorField* field = schema_.FindMultiVector(name);
      const std::string label = name.empty() ? "the multi-vector" : "multi-vector '" + name + "'";
      if (field == nullptr) {
        return fail(schema_.FindVector(name) != nullptr
                        ? VectorLabel(name) + " takes one vector, not an array of vectors"
                        : "unknown " + label);
      }
      if (m.empty()) return fail(label + " has no vectors");
      if (m.size() > MultiVectorField::kMaxVectorsPerRecord) {
        return fail(label + " has " + std::to_string(m.size()) + " vectors, over the limit of " +
                    std::to_string(MultiVectorField::kMaxVectorsPerRecord));
      }
      for (size_t t = 0; t < m.size(); ++t) {
        std::vector<float>& v = m[t];
        const std::string at = label + " vector " + std::to_string(t);
        if (v.size() != field->dim) {
          return fail(at + " has dimension " + std::to_string(v.size()) + ", expected " +
                      std::to_string(field->dim));
        }
        for (size_t k = 0; k < v.size(); ++k) {
          if (!std::isfinite(v[k])) {
            return fail(at + " component " + std::to_string(k) + " is " +
                        (std::isnan(v[k]) ? "NaN" : "infinite"));
          }
        }
        // Unit length under cosine, so MaxSim adds dot products.
        if (field->metric == Metric::kCosine) simd::Normalize(v.data(), v.size());
      }
      bytes += m.size() * field->dim * sizeof(float);
    }
    if (!r.payload.is_object()) {
      if (!r.payload.is_null()) return fail("payload must be a JSON object");
      r.payload = Json::object();
    }
    size_t payload_bytes = r.payload.dump().size();
    if (payload_bytes > options_.max_payload_bytes) {
      return Status::ResourceExhausted(
          RecordLabel(i, r.id) + ": payload of " + std::to_string(payload_bytes) +
          " bytes is over the limit of " + std::to_string(options_.max_payload_bytes));
    }
    if (r.text && r.text->size() > options_.max_text_bytes) {
      return Status::ResourceExhausted(
          RecordLabel(i, r.id) + ": text of " + std::to_string(r.text->size()) +
          " bytes is over the limit of " + std::to_string(options_.max_text_bytes));
    }
    // The analyzers reject only invalid UTF-8; checking it here means sealing a segment (which
    // analyzes every text) cannot fail on a stored record.
    if (r.text && schema_.text) {
      Status utf8 = ValidateUtf8(*r.text);
      if (!utf8.ok()) return fail("text is not valid UTF-8 (" + utf8.message() + ")");
    }
    bytes += payload_bytes + (r.text ? r.text->size() : 0);
    if (bytes > options_.max_record_bytes) {
      return Status::ResourceExhausted(RecordLabel(i, r.id) + ": record of " +
                                       std::to_string(bytes) + " bytes is over the limit of " +
                                       std::to_string(options_.max_record_bytes));
    }
  }
  return out;
}

// ---- group commit ----

Status CollectionImpl::Commit(PendingWrite* w) {
  RAGDB_RETURN_IF_ERROR(CheckWritable());
  std::unique_lock lock(queue_mu_);
  queue_.push_back(w);
  while (!w->done && w != queue_.front()) w->cv.wait(lock);
  if (w->done) return w->status;

  // This writer leads: take every queued batch, up to a size cap.
  std::vector<PendingWrite*> batch;
  size_t bytes = 0;
  for (PendingWrite* p : queue_) {
    if (!batch.empty() && bytes + p->payload.size() > (64u << 20)) break;
    batch.push_back(p);
    bytes += p->payload.size();
  }
  lock.unlock();

  Status s;
  {
    std::unique_lock data(data_mu_);
    s = CheckAlive();
    std::string frames;
    uint64_t seq = last_seq_;
    if (s.ok()) {
      for (PendingWrite* p : batch) storage::AppendWalFrame(&frames, ++seq, p->type, p->payload);
      uint64_t before = wal_->size();
      s = wal_->Append(frames, options_.sync_writes);
      if (!s.ok()) {
        // Leave no partial frame behind: later appends must not follow garbage.
        auto reopened = storage::WalWriter::OpenForAppend(wal_->path(), before);
        if (reopened.ok()) wal_ = std::move(reopened).value();
      }
    }
    if (s.ok()) {
      last_seq_ = seq;
      for (PendingWrite* p : batch) p->apply();
      s = MaybeSeal();
    }
  }

  lock.lock();
  for (PendingWrite* p : batch) {
    queue_.pop_front();
    p->status = s;
    p->done = true;
    if (p != w) p->cv.notify_one();
  }
  if (!queue_.empty()) queue_.front()->cv.notify_one();
  return s;
}

// ---- writes ----

Status CollectionImpl::Upsert(std::span<const Record> records) {
  if (records.empty()) return CheckAlive();
  RAGDB_ASSIGN_OR_RETURN(std::vector<Record> prepared, Prepare(records));
  PendingWrite w;
  // Element types and fields never change after create, so reading the schema unlocked is safe.
  w.type = EncodeUpsertPayload(schema_, prepared, &w.payload);
  w.apply = [this, &prepared] { ApplyUpsert(prepared); };
  return Commit(&w);
}

Result<size_t> CollectionImpl::Delete(std::span<const PointId> ids) {
  if (ids.empty()) {
    RAGDB_RETURN_IF_ERROR(CheckAlive());
    return size_t{0};
  }
  std::vector<PointId> list(ids.begin(), ids.end());
  size_t deleted = 0;
  PendingWrite w;
  w.type = storage::WalRecordType::kDelete;
  EncodeDeletePayload(list, &w.payload);
  w.apply = [this, &list, &deleted] { deleted = ApplyDelete(list); };
  RAGDB_RETURN_IF_ERROR(Commit(&w));
  return deleted;
}

Result<size_t> CollectionImpl::DeleteByFilter(const Filter& filter) {
  std::vector<PointId> ids;
  {
    std::shared_lock lock(data_mu_);
    RAGDB_RETURN_IF_ERROR(CheckAlive());
    std::vector<const Segment*> all;
    for (const auto& s : sealed_) all.push_back(s.get());
    all.push_back(growing_.get());
    for (const Segment* s : all) {
      AllowedRows(*s, &filter).ForEach([&](size_t r) { ids.push_back(s->id(r)); });
    }
  }
  return Delete(ids);
}

Result<size_t> CollectionImpl::SetPayload(std::span<const PointId> ids, const Json& payload,
                                          bool merge) {
  if (!payload.is_object()) return Status::InvalidArgument("payload must be a JSON object");
  RAGDB_ASSIGN_OR_RETURN(std::vector<Record> records, GetMany(ids, /*with_vectors=*/true));
  for (Record& r : records) {
    if (merge) {
      r.payload.update(payload);
    } else {
      r.payload = payload;
    }
  }
  RAGDB_RETURN_IF_ERROR(Upsert(records));
  return records.size();
}

void CollectionImpl::ApplyUpsert(std::vector<Record>& records) {
  for (Record& r : records) {
    auto it = locations_.find(r.id);
    if (it != locations_.end()) {
      it->second.segment->MarkDeleted(it->second.row);
      if (it->second.segment->sealed())
        static_cast<SealedSegment*>(it->second.segment)->tombstones_dirty = true;
    }
    size_t row = growing_->Append(r);
    locations_[r.id] = Location{growing_.get(), static_cast<uint32_t>(row)};
  }
  growing_->UpdatePayloadIndexes();
}

size_t CollectionImpl::ApplyDelete(const std::vector<PointId>& ids) {
  size_t n = 0;
  for (const PointId& id : ids) {
    auto it = locations_.find(id);
    if (it == locations_.end()) continue;
    it->second.segment->MarkDeleted(it->second.row);
    if (it->second.segment->sealed())
      static_cast<SealedSegment*>(it->second.segment)->tombstones_dirty = true;
    locations_.erase(it);
    ++n;
  }
  return n;
}

Status CollectionImpl::CheckReplayed(const std::vector<Record>& records) const {
  // A log frame is checksummed, but its vectors must also fit the schema before they are stored
  // in fixed-size columns (a log written for another schema must not overrun them).
  for (const Record& r : records) {
    for (const auto& [name, v] : r.vectors) {
      const VectorField* field = schema_.FindVector(name);
      if (field == nullptr || v.size() != field->dim) {
        return Status::Corruption("log record " + r.id.ToString() + ": " + VectorLabel(name) +
                                  " does not match the schema");
      }
    }
    for (const auto& [name, m] : r.multi_vectors) {
      const MultiVectorField* field = schema_.FindMultiVector(name);
      if (field == nullptr || m.empty() || m[0].size() != field->dim) {
        return Status::Corruption("log record " + r.id.ToString() + ": multi-vector '" + name +
                                  "' does not match the schema");
      }
    }
  }
  return Status::Ok();
}

Status CollectionImpl::ApplyWalRecord(storage::WalRecordType type, std::string_view payload) {
  ByteReader in(payload);
  uint64_t count;
  if (!in.GetVarint(&count)) return Status::Corruption("log record without a count");
  if (type != storage::WalRecordType::kDelete) {
    const bool multi = type == storage::WalRecordType::kUpsertMulti;
    const bool typed = multi || type == storage::WalRecordType::kUpsertTyped;
    std::vector<Record> records(count);
    for (auto& r : records) {
      RAGDB_RETURN_IF_ERROR(storage::DecodeRecord(&in, &r, typed));
      if (multi) RAGDB_RETURN_IF_ERROR(storage::DecodeMultiVectors(&in, &r));
    }
    RAGDB_RETURN_IF_ERROR(CheckReplayed(records));
    ApplyUpsert(records);
  } else {
    std::vector<PointId> ids(count);
    for (auto& id : ids) {
      if (!storage::DecodeId(&in, &id)) return Status::Corruption("log delete record truncated");
    }
    ApplyDelete(ids);
  }
  if (!in.empty()) return Status::Corruption("trailing bytes in a log record");
  return Status::Ok();
}

Status CollectionImpl::ImportVectors(const std::string& field, const float* data, size_t rows,
                                     uint64_t first_id) {
  {
    std::shared_lock lock(data_mu_);
    RAGDB_RETURN_IF_ERROR(CheckAlive());
    if (schema_.FindVector(field) == nullptr)
      return Status::InvalidArgument("unknown " + VectorLabel(field));
  }
  const uint32_t dim = schema().FindVector(field)->dim;
  constexpr size_t kBatch = 8192;
  std::vector<Record> batch;
  for (size_t start = 0; start < rows; start += kBatch) {
    size_t end = std::min(rows, start + kBatch);
    batch.resize(end - start);
    for (size_t i = start; i < end; ++i) {
      Record& r = batch[i - start];
      r.id = PointId(first_id + i);
      r.vectors.clear();
      r.vectors[field].assign(data + i * dim, data + (i + 1) * dim);
    }
    RAGDB_RETURN_IF_ERROR(Upsert(batch));
  }
  return Status::Ok();
}

// ---- sealing, checkpoints, compaction ----

Status CollectionImpl::MaybeSeal() {
  size_t threshold = options_.seal_threshold_rows;
  if (frugal()) {
    // The growing segment lives in memory: seal it at a quarter of the limit.
    size_t row_bytes = 64;  // id, bookkeeping
    for (const auto& f : schema_.vectors) row_bytes += f.dim * sizeof(float);
    threshold =
        std::min(threshold, std::max<size_t>(256, options_.memory_limit_bytes / 4 / row_bytes));
  }
  if (growing_->rows() < threshold) return Status::Ok();
  return Checkpoint(/*merge=*/false);
}

Status CollectionImpl::Checkpoint(bool merge, const OptimizeProgress& progress) {
  RAGDB_RETURN_IF_ERROR(CheckWritable());
  // Stage names say which write of the checkpoint they belong to.
  auto stage_progress = [&progress](const char* prefix) -> SegmentWriteProgress {
    if (!progress) return nullptr;
    return [&progress, prefix](std::string_view stage, uint64_t done, uint64_t total) {
      progress(std::string(prefix) + ": " + std::string(stage), done, total);
    };
  };
  std::vector<std::unique_ptr<SealedSegment>> segments = std::move(sealed_);
  std::vector<storage::ManifestSegment> entries = manifest_.segments;
  std::vector<std::string> obsolete;  // files to remove once the new manifest is durable
  const size_t original = segments.size();
  // On failure the state stays as it was; files written so far are orphans removed on open.
  std::vector<std::unique_ptr<SealedSegment>> replaced;  // by the merge
  auto restore = [&] {
    if (!replaced.empty()) segments = std::move(replaced);
    segments.resize(original);
    sealed_ = std::move(segments);
  };

  // 1. Seal the growing segment's live rows.
  if (growing_->LiveRows().Any()) {
    std::string file = NewFileName("seg-", ".rseg");
    auto written = WriteSegment(JoinPath(dir_, file), schema_, {growing_.get()},
                                options_.locality_order_min_rows, stage_progress("seal"));
    if (!written.ok()) return restore(), written.status();
    auto seg = SealedSegment::Open(JoinPath(dir_, file), schema_, frugal());
    if (!seg.ok()) return restore(), seg.status();
    entries.push_back({0, file, *written, "", IndexParamsOf(schema_)});
    segments.push_back(std::move(seg).value());
  }
  // 2. Merge every segment into one, dropping deleted rows.
  bool any_deleted = false;
  for (const auto& s : segments) any_deleted |= s->deleted().Any();
  if (merge && (segments.size() > 1 || any_deleted)) {
    std::vector<const Segment*> sources;
    for (const auto& s : segments) sources.push_back(s.get());
    std::string file = NewFileName("seg-", ".rseg");
    auto written = WriteSegment(JoinPath(dir_, file), schema_, sources,
                                options_.locality_order_min_rows, stage_progress("merge"));
    if (!written.ok()) return restore(), written.status();
    auto seg = SealedSegment::Open(JoinPath(dir_, file), schema_, frugal());
    if (!seg.ok()) return restore(), seg.status();
    for (const auto& e : entries) {
      obsolete.push_back(e.file);
      if (!e.del_file.empty()) obsolete.push_back(e.del_file);
    }
    replaced = std::move(segments);
    segments.clear();
    entries.clear();
    if (*written > 0) {
      entries.push_back({0, file, *written, "", IndexParamsOf(schema_)});
      segments.push_back(std::move(seg).value());
    } else {
      obsolete.push_back(file);
    }
  }
  // 3. Tombstones of the segments that stay.
  for (size_t i = 0; i < segments.size(); ++i) {
    if (!segments[i]->tombstones_dirty) continue;
    std::string file = NewFileName(entries[i].file + ".", ".del");
    Status s = storage::WriteTombstones(JoinPath(dir_, file), segments[i]->rows(),
                                        segments[i]->deleted().words());
    if (!s.ok()) return restore(), s;
    if (!entries[i].del_file.empty()) obsolete.push_back(entries[i].del_file);
    entries[i].del_file = file;
  }
  // 4. A fresh log, then the manifest that makes it all current.
  std::string wal_file = NewFileName("wal-", ".log");
  auto wal = storage::WalWriter::Create(JoinPath(dir_, wal_file));
  if (!wal.ok()) return restore(), wal.status();
  for (size_t i = 0; i < entries.size(); ++i) entries[i].id = i;
  storage::Manifest previous = manifest_;
  manifest_.segments = entries;
  Status s = WriteCurrentManifest(wal_file);
  if (!s.ok()) {
    manifest_ = previous;
    return restore(), s;
  }
  obsolete.insert(obsolete.end(), previous.wal_files.begin(), previous.wal_files.end());

  // 5. Switch the in-memory state and remove what the manifest no longer names.
  for (auto& seg : segments) seg->tombstones_dirty = false;
  sealed_ = std::move(segments);
  growing_ = std::make_unique<GrowingSegment>(schema_);
  wal_ = std::move(wal).value();
  RebuildLocations();
  for (const auto& f : obsolete) (void)RemoveFile(JoinPath(dir_, f));
  return Status::Ok();
}

Status CollectionImpl::RunAsWriteLeader(const std::function<Status()>& fn) {
  RAGDB_RETURN_IF_ERROR(CheckWritable());
  PendingWrite w;
  std::unique_lock lock(queue_mu_);
  queue_.push_back(&w);
  while (&w != queue_.front()) w.cv.wait(lock);
  lock.unlock();
  Status s;
  {
    std::unique_lock data(data_mu_);
    s = CheckAlive();
    if (s.ok()) s = fn();
  }
  lock.lock();
  queue_.pop_front();
  if (!queue_.empty()) queue_.front()->cv.notify_one();
  return s;
}

Status CollectionImpl::Optimize() { return Optimize(nullptr); }

Status CollectionImpl::Optimize(const OptimizeProgress& progress) {
  RAGDB_RETURN_IF_ERROR(RunAsWriteLeader([&] { return Checkpoint(/*merge=*/true, progress); }));
  // A merged segment has current indexes; a lone segment with older ones is rebuilt here.
  for (;;) {
    RAGDB_ASSIGN_OR_RETURN(bool more, RebuildOne());
    if (!more) return Status::Ok();
  }
}

// ---- hooks of db/replication.h ----

Status CollectionImpl::UpsertPrepared(std::vector<Record> records) {
  if (records.empty()) return CheckAlive();
  PendingWrite w;
  w.type = EncodeUpsertPayload(schema_, records, &w.payload);
  w.apply = [this, &records] { ApplyUpsert(records); };
  return Commit(&w);
}

Result<std::vector<std::string>> CollectionImpl::CheckpointAndListFiles() {
  std::vector<std::string> files;
  RAGDB_RETURN_IF_ERROR(RunAsWriteLeader([&]() -> Status {
    RAGDB_RETURN_IF_ERROR(Checkpoint(/*merge=*/false));
    files.push_back(storage::kManifestName);
    for (const auto& e : manifest_.segments) {
      files.push_back(e.file);
      if (!e.del_file.empty()) files.push_back(e.del_file);
    }
    files.insert(files.end(), manifest_.wal_files.begin(), manifest_.wal_files.end());
    return Status::Ok();
  }));
  return files;
}

Status CollectionImpl::CreatePayloadIndex(const PayloadIndexField& field) {
  RAGDB_RETURN_IF_ERROR(CheckWritable());
  {
    std::shared_lock lock(data_mu_);
    RAGDB_RETURN_IF_ERROR(CheckAlive());
    if (const PayloadIndexField* existing = schema_.FindPayloadIndex(field.path)) {
      if (existing->type == field.type) return Status::Ok();
      return Status::AlreadyExists("payload index on '" + field.path + "' exists with type " +
                                   std::string(PayloadTypeName(existing->type)));
    }
  }
  {
    std::unique_lock lock(data_mu_);
    CollectionSchema updated = schema_;
    updated.payload_indexes.push_back(field);
    RAGDB_RETURN_IF_ERROR(updated.Validate());
    schema_ = updated;
  }
  // Rewriting the segments builds the index for the rows already stored.
  return Optimize();
}

}  // namespace ragdb::db
