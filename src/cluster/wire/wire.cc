#include "cluster/wire/wire.h"

#include <cstring>

#include "base/json_text.h"
#include "cluster/wire/wire_primitives.h"
#include "storage/record_codec.h"

namespace ragdb::cluster {
namespace {

using namespace wire_internal;  // NOLINT(google-build-using-namespace): this file's primitives

constexpr uint8_t kVersion = 1;

}  // namespace

const char* ReadKindName(ReadKind kind) {
  switch (kind) {
    case ReadKind::kSearch:
      return "search";
    case ReadKind::kTextStats:
      return "text_stats";
    case ReadKind::kSearchText:
      return "search_text";
    case ReadKind::kSearchSparse:
      return "search_sparse";
    case ReadKind::kCount:
      return "count";
    case ReadKind::kScroll:
      return "scroll";
    case ReadKind::kGet:
      return "get";
    case ReadKind::kDescribe:
      return "describe";
    case ReadKind::kRecommend:
      return "recommend";
    case ReadKind::kDiscover:
      return "discover";
    case ReadKind::kFacet:
      return "facet";
    case ReadKind::kSample:
      return "sample";
  }
  return "?";
}

Status ExpectEnd(const ByteReader& in, const char* what) {
  if (!in.empty()) return Bad(std::string("trailing bytes after ") + what);
  return Status::Ok();
}

void EncodeShardReadRequest(const ShardReadRequest& r, std::string* out) {
  out->push_back(static_cast<char>(kVersion));
  PutBytes(out, r.collection);
  PutVarint(out, static_cast<uint64_t>(r.incarnation));
  out->push_back(static_cast<char>(r.kind));
  PutVarint(out, r.shards.size());
  for (const auto& s : r.shards) {
    PutVarint(out, s.shard);
    out->push_back(s.replica_ok ? 1 : 0);
    PutVarint(out, s.min_seq);
    PutBytes(out, s.args);
  }
  PutBytes(out, r.args);
}

Result<ShardReadRequest> DecodeShardReadRequest(std::string_view bytes) {
  ByteReader in(bytes);
  ShardReadRequest r;
  uint8_t version, kind;
  uint64_t incarnation, n;
  if (!in.GetU8(&version)) return Bad("empty read request");
  if (version != kVersion) return Bad("read request version " + std::to_string(version));
  if (!GetString(&in, &r.collection) || !in.GetVarint(&incarnation) || !in.GetU8(&kind) ||
      !in.GetVarint(&n) || n > in.remaining()) {
    return Bad("truncated read request");
  }
  if (kind < 1 || kind > static_cast<uint8_t>(ReadKind::kLast)) {
    return Bad("unknown read kind " + std::to_string(kind));
  }
  r.incarnation = static_cast<int64_t>(incarnation);
  r.kind = static_cast<ReadKind>(kind);
  r.shards.resize(n);
  for (auto& s : r.shards) {
    uint8_t replica_ok;
    if (!GetU32(&in, &s.shard) || !in.GetU8(&replica_ok) || replica_ok > 1 ||
        !in.GetVarint(&s.min_seq) || !GetString(&in, &s.args)) {
      return Bad("truncated shard list");
    }
    s.replica_ok = replica_ok != 0;
  }
  if (!GetString(&in, &r.args)) return Bad("truncated read arguments");
  RAGDB_RETURN_IF_ERROR(ExpectEnd(in, "the read request"));
  return r;
}

void EncodeShardReadReply(const ShardReadReply& r, std::string* out) {
  out->push_back(static_cast<char>(kVersion));
  PutVarint(out, r.failed.size());
  for (const auto& [shard, status] : r.failed) {
    PutVarint(out, shard);
    out->push_back(static_cast<char>(status.code()));
    PutBytes(out, status.message());
  }
  PutBytes(out, r.result);
}

Result<ShardReadReply> DecodeShardReadReply(std::string_view bytes) {
  ByteReader in(bytes);
  ShardReadReply r;
  uint8_t version;
  uint64_t n;
  if (!in.GetU8(&version) || version != kVersion) return Bad("not a read reply");
  if (!in.GetVarint(&n) || n > in.remaining()) return Bad("truncated read reply");
  for (uint64_t i = 0; i < n; ++i) {
    uint32_t shard;
    uint8_t code;
    std::string message;
    if (!GetU32(&in, &shard) || !in.GetU8(&code) || !GetString(&in, &message)) {
      return Bad("truncated failure list");
    }
    if (code == 0 || code > static_cast<uint8_t>(StatusCode::kDeadlineExceeded)) {
      return Bad("bad status code " + std::to_string(code));
    }
    r.failed.emplace_back(shard, Status(static_cast<StatusCode>(code), message));
  }
  if (!GetString(&in, &r.result)) return Bad("truncated read result");
  RAGDB_RETURN_IF_ERROR(ExpectEnd(in, "the read reply"));
  return r;
}

void EncodeShardWriteRequest(const ShardWriteRequest& r, std::string* out) {
  out->push_back(static_cast<char>(kVersion));
  PutBytes(out, r.collection);
  PutVarint(out, static_cast<uint64_t>(r.incarnation));
  out->push_back(r.optimize ? 1 : 0);
  PutVarint(out, r.shards.size());
  for (const auto& s : r.shards) {
    PutVarint(out, s.shard);
    PutBytes(out, s.ops);
  }
}

Result<ShardWriteRequest> DecodeShardWriteRequest(std::string_view bytes) {
  ByteReader in(bytes);
  ShardWriteRequest r;
  uint8_t version, optimize;
  uint64_t incarnation, n;
  if (!in.GetU8(&version)) return Bad("empty write request");
  if (version != kVersion) return Bad("write request version " + std::to_string(version));
  if (!GetString(&in, &r.collection) || !in.GetVarint(&incarnation) || !in.GetU8(&optimize) ||
      optimize > 1 || !in.GetVarint(&n) || n > in.remaining()) {
    return Bad("truncated write request");
  }
  r.incarnation = static_cast<int64_t>(incarnation);
  r.optimize = optimize != 0;
  r.shards.resize(n);
  for (auto& s : r.shards) {
    if (!GetU32(&in, &s.shard) || !GetString(&in, &s.ops)) return Bad("truncated write request");
  }
  RAGDB_RETURN_IF_ERROR(ExpectEnd(in, "the write request"));
  return r;
}

void EncodeShardWriteReply(const ShardWriteReply& r, std::string* out) {
  out->push_back(static_cast<char>(kVersion));
  PutVarint(out, r.shards.size());
  for (const auto& s : r.shards) {
    PutVarint(out, s.shard);
    out->push_back(static_cast<char>(s.status.code()));
    PutBytes(out, s.status.message());
    PutVarint(out, s.affected);
    PutVarint(out, s.seq);
  }
}

Result<ShardWriteReply> DecodeShardWriteReply(std::string_view bytes) {
  ByteReader in(bytes);
  ShardWriteReply r;
  uint8_t version;
  uint64_t n;
  if (!in.GetU8(&version) || version != kVersion) return Bad("not a write reply");
  if (!in.GetVarint(&n) || n > in.remaining()) return Bad("truncated write reply");
  r.shards.resize(n);
  for (auto& s : r.shards) {
    uint8_t code;
    std::string message;
    if (!GetU32(&in, &s.shard) || !in.GetU8(&code) || !GetString(&in, &message) ||
        !in.GetVarint(&s.affected) || !in.GetVarint(&s.seq)) {
      return Bad("truncated write reply");
    }
    if (code > static_cast<uint8_t>(StatusCode::kDeadlineExceeded)) {
      return Bad("bad status code " + std::to_string(code));
    }
    s.status = code == 0 ? Status::Ok() : Status(static_cast<StatusCode>(code), message);
  }
  RAGDB_RETURN_IF_ERROR(ExpectEnd(in, "the write reply"));
  return r;
}

void PutFilter(const std::optional<Filter>& f, std::string* out) {
  out->push_back(f ? 1 : 0);
  if (f) PutBytes(out, WriteJson(f->ToJson()));
}

Status GetFilter(ByteReader* in, std::optional<Filter>* f) {
  uint8_t has;
  if (!in->GetU8(&has) || has > 1) return Bad("truncated filter");
  if (!has) {
    f->reset();
    return Status::Ok();
  }
  std::string_view text;
  if (!in->GetBytes(&text)) return Bad("truncated filter");
  auto j = ReadJson(text);
  if (!j.ok()) return Bad("filter: " + j.status().message());
  RAGDB_ASSIGN_OR_RETURN(Filter parsed, Filter::FromJson(*j));
  *f = std::move(parsed);
  return Status::Ok();
}

void PutSearchRequest(const SearchRequest& r, std::string* out) {
  PutBytes(out, r.field);
  PutFloats(out, r.vector);
  PutVarint(out, r.multi_vector.size());
  for (const auto& row : r.multi_vector) PutFloats(out, row);
  PutOptionalString(out, r.query_text);
  PutOptionalString(out, r.query_image);
  PutVarint(out, r.k);
  PutVarint(out, r.offset);
  PutFilter(r.filter, out);
  out->push_back(static_cast<char>(Flags(r.with_payload, r.with_vectors, r.with_text, r.exact)));
  out->push_back(r.score_threshold ? 1 : 0);
  if (r.score_threshold) PutFloat(out, *r.score_threshold);
  PutVarint(out, r.ef);
  PutVarint(out, r.nprobe);
}

Status GetSearchRequest(ByteReader* in, SearchRequest* r) {
  size_t rows = 0;
  if (!GetString(in, &r->field) || !GetFloats(in, &r->vector) || !GetSize(in, &rows) ||
      rows > in->remaining()) {
    return Bad("truncated search request");
  }
  r->multi_vector.resize(rows);
  for (auto& row : r->multi_vector) {
    if (!GetFloats(in, &row)) return Bad("truncated search request");
  }
  if (!GetOptionalString(in, &r->query_text) || !GetOptionalString(in, &r->query_image) ||
      !GetSize(in, &r->k) || !GetSize(in, &r->offset)) {
    return Bad("truncated search request");
  }
  RAGDB_RETURN_IF_ERROR(GetFilter(in, &r->filter));
  uint8_t has_threshold;
  if (!GetFlags(in, &r->with_payload, &r->with_vectors, &r->with_text, &r->exact) ||
      !in->GetU8(&has_threshold) || has_threshold > 1) {
    return Bad("truncated search request");
  }
  r->score_threshold.reset();
  if (has_threshold) {
    float t;
    if (!GetFloat(in, &t)) return Bad("truncated search request");
    r->score_threshold = t;
  }
  if (!GetU32(in, &r->ef) || !GetU32(in, &r->nprobe)) return Bad("truncated search request");
  return Status::Ok();
}

void PutTextSearchRequest(const TextSearchRequest& r, std::string* out) {
  PutBytes(out, r.query);
  out->push_back(static_cast<char>(Flags(r.all_terms, r.phrase, false)));
  PutVarint(out, r.k);
  PutVarint(out, r.offset);
  PutFilter(r.filter, out);
  out->push_back(static_cast<char>(Flags(r.with_payload, r.with_vectors, r.with_text)));
}

Status GetTextSearchRequest(ByteReader* in, TextSearchRequest* r) {
  bool unused;
  if (!GetString(in, &r->query) || !GetFlags(in, &r->all_terms, &r->phrase, &unused) ||
      !GetSize(in, &r->k) || !GetSize(in, &r->offset)) {
    return Bad("truncated text search request");
  }
  RAGDB_RETURN_IF_ERROR(GetFilter(in, &r->filter));
  if (!GetFlags(in, &r->with_payload, &r->with_vectors, &r->with_text)) {
    return Bad("truncated text search request");
  }
  return Status::Ok();
}

void PutSparseSearchRequest(const SparseSearchRequest& r, std::string* out) {
  PutBytes(out, r.field);
  PutVarint(out, r.vector.indices.size());
  for (uint32_t i : r.vector.indices) PutVarint(out, i);
  PutFloats(out, r.vector.values);
  PutVarint(out, r.k);
  PutVarint(out, r.offset);
  PutFilter(r.filter, out);
  out->push_back(static_cast<char>(Flags(r.with_payload, r.with_vectors, r.with_text)));
}

Status GetSparseSearchRequest(ByteReader* in, SparseSearchRequest* r) {
  uint64_t n;
  if (!GetString(in, &r->field) || !in->GetVarint(&n) || n > in->remaining()) {
    return Bad("truncated sparse search request");
  }
  r->vector.indices.resize(n);
  for (auto& i : r->vector.indices) {
    if (!GetU32(in, &i)) return Bad("truncated sparse search request");
  }
  if (!GetFloats(in, &r->vector.values) || r->vector.values.size() != n || !GetSize(in, &r->k) ||
      !GetSize(in, &r->offset)) {
    return Bad("truncated sparse search request");
  }
  RAGDB_RETURN_IF_ERROR(GetFilter(in, &r->filter));
  if (!GetFlags(in, &r->with_payload, &r->with_vectors, &r->with_text)) {
    return Bad("truncated sparse search request");
  }
  return Status::Ok();
}

void PutScrollRequest(const ScrollRequest& r, std::string* out) {
  PutFilter(r.filter, out);
  out->push_back(r.offset ? 1 : 0);
  if (r.offset) storage::EncodeId(*r.offset, out);
  PutVarint(out, r.limit);
  out->push_back(static_cast<char>(Flags(r.with_payload, r.with_vectors, false)));
  PutOrderBy(r.order_by, out);
}

Status GetScrollRequest(ByteReader* in, ScrollRequest* r) {
  RAGDB_RETURN_IF_ERROR(GetFilter(in, &r->filter));
  uint8_t has_offset;
  bool unused;
  if (!in->GetU8(&has_offset) || has_offset > 1) return Bad("truncated scroll request");
  r->offset.reset();
  if (has_offset) {
    PointId id;
    if (!storage::DecodeId(in, &id)) return Bad("truncated scroll offset");
    r->offset = std::move(id);
  }
  if (!GetSize(in, &r->limit) || !GetFlags(in, &r->with_payload, &r->with_vectors, &unused)) {
    return Bad("truncated scroll request");
  }
  return GetOrderBy(in, &r->order_by);
}

void PutStats(const text::CollectionStats& s, std::string* out) {
  PutVarint(out, s.doc_count);
  PutVarint(out, s.total_tokens);
  PutVarint(out, s.doc_freq.size());
  for (const auto& [term, n] : s.doc_freq) {
    PutBytes(out, term);
    PutVarint(out, n);
  }
}

Status GetStats(ByteReader* in, text::CollectionStats* s) {
  uint64_t n;
  if (!in->GetVarint(&s->doc_count) || !in->GetVarint(&s->total_tokens) || !in->GetVarint(&n) ||
      n > in->remaining()) {
    return Bad("truncated text statistics");
  }
  s->doc_freq.clear();
  for (uint64_t i = 0; i < n; ++i) {
    std::string term;
    uint64_t df;
    if (!GetString(in, &term) || !in->GetVarint(&df)) return Bad("truncated text statistics");
    s->doc_freq[std::move(term)] = df;
  }
  return Status::Ok();
}

void PutIds(std::span<const PointId> ids, std::string* out) {
  PutVarint(out, ids.size());
  for (const auto& id : ids) storage::EncodeId(id, out);
}

Status GetIds(ByteReader* in, std::vector<PointId>* ids) {
  uint64_t n;
  if (!in->GetVarint(&n) || n > in->remaining()) return Bad("truncated id list");
  ids->resize(n);
  for (auto& id : *ids) {
    if (!storage::DecodeId(in, &id)) return Bad("truncated id list");
  }
  return Status::Ok();
}

// A point: id, score, then what was asked for (u8 bits: payload, vectors, text).
void PutPoints(const std::vector<ScoredPoint>& points, std::string* out) {
  PutVarint(out, points.size());
  for (const ScoredPoint& p : points) {
    storage::EncodeId(p.id, out);
    PutFloat(out, p.score);
    const bool payload = !p.payload.is_null();
    out->push_back(static_cast<char>(
        Flags(payload, !p.vectors.empty(), p.text.has_value(), !p.multi_vectors.empty())));
    if (payload) PutPayload(out, p.payload);
    if (!p.vectors.empty()) {
      PutVarint(out, p.vectors.size());
      for (const auto& [name, v] : p.vectors) {
        PutBytes(out, name);
        PutFloats(out, v);
      }
    }
    if (p.text) PutBytes(out, *p.text);
    if (!p.multi_vectors.empty()) {
      PutVarint(out, p.multi_vectors.size());
      for (const auto& [name, m] : p.multi_vectors) {
        PutBytes(out, name);
        PutVarint(out, m.size());
        for (const auto& row : m) PutFloats(out, row);
      }
    }
  }
}

Status GetPoints(ByteReader* in, std::vector<ScoredPoint>* points) {
  uint64_t n;
  if (!in->GetVarint(&n) || n > in->remaining()) return Bad("truncated point list");
  points->clear();
  points->resize(n);
  for (ScoredPoint& p : *points) {
    bool payload, vectors, text, multi;
    if (!storage::DecodeId(in, &p.id) || !GetFloat(in, &p.score) ||
        !GetFlags(in, &payload, &vectors, &text, &multi)) {
      return Bad("truncated point");
    }
    if (payload && !GetPayload(in, &p.payload)) return Bad("bad point payload");
    if (vectors) {
      uint64_t count;
      if (!in->GetVarint(&count) || count > in->remaining()) return Bad("truncated point vectors");
      for (uint64_t i = 0; i < count; ++i) {
        std::string name;
        std::vector<float> v;
        if (!GetString(in, &name) || !GetFloats(in, &v)) return Bad("truncated point vectors");
        p.vectors.emplace(std::move(name), std::move(v));
      }
    }
    if (text) {
      std::string t;
      if (!GetString(in, &t)) return Bad("truncated point text");
      p.text = std::move(t);
    }
    if (multi) {
      uint64_t count;
      if (!in->GetVarint(&count) || count > in->remaining()) return Bad("truncated point matrices");
      for (uint64_t i = 0; i < count; ++i) {
        std::string name;
        size_t rows;
        if (!GetString(in, &name) || !GetSize(in, &rows) || rows > in->remaining()) {
          return Bad("truncated point matrices");
        }
        MultiVector m(rows);
        for (auto& row : m) {
          if (!GetFloats(in, &row)) return Bad("truncated point matrices");
        }
        p.multi_vectors.emplace(std::move(name), std::move(m));
      }
    }
  }
  return Status::Ok();
}

void PutRecords(const std::vector<Record>& records, std::string* out) {
  PutVarint(out, records.size());
  for (const Record& r : records) {
    storage::EncodeRecord(r, out);
    storage::EncodeMultiVectors(r, out);  // the record codec leaves matrices to the WAL's frames
  }
}

Status GetRecords(ByteReader* in, std::vector<Record>* records) {
  uint64_t n;
  if (!in->GetVarint(&n) || n > in->remaining()) return Bad("truncated record list");
  records->clear();
  records->resize(n);
  for (Record& r : *records) {
    Status s = storage::DecodeRecord(in, &r);
    if (s.ok()) s = storage::DecodeMultiVectors(in, &r);
    if (!s.ok()) return Bad(s.message());
  }
  return Status::Ok();
}

void PutScrollPage(const ScrollPage& page, std::string* out) {
  PutRecords(page.records, out);
  out->push_back(page.next_offset ? 1 : 0);
  if (page.next_offset) storage::EncodeId(*page.next_offset, out);
  PutJsonValues(page.order_values, out);
}

Status GetScrollPage(ByteReader* in, ScrollPage* page) {
  RAGDB_RETURN_IF_ERROR(GetRecords(in, &page->records));
  uint8_t has_next;
  if (!in->GetU8(&has_next) || has_next > 1) return Bad("truncated scroll page");
  page->next_offset.reset();
  if (has_next) {
    PointId id;
    if (!storage::DecodeId(in, &id)) return Bad("truncated scroll page");
    page->next_offset = std::move(id);
  }
  return GetJsonValues(in, &page->order_values);
}

void PutInfo(const CollectionInfo& info, std::string* out) {
  PutVarint(out, info.points);
  PutVarint(out, info.wal_bytes);
  PutVarint(out, info.segments.size());
  for (const SegmentInfo& s : info.segments) {
    PutVarint(out, s.rows);
    PutVarint(out, s.deleted);
    PutVarint(out, s.bytes);
    out->push_back(s.sealed ? 1 : 0);
    PutVarint(out, s.indexes.size());
    for (const auto& i : s.indexes) PutBytes(out, i);
  }
}

Status GetInfo(ByteReader* in, CollectionInfo* info) {
  uint64_t n;
  if (!in->GetVarint(&info->points) || !in->GetVarint(&info->wal_bytes) || !in->GetVarint(&n) ||
      n > in->remaining()) {
    return Bad("truncated collection info");
  }
  info->segments.clear();
  for (uint64_t i = 0; i < n; ++i) {
    SegmentInfo s;
    uint8_t sealed;
    uint64_t indexes;
    if (!in->GetVarint(&s.rows) || !in->GetVarint(&s.deleted) || !in->GetVarint(&s.bytes) ||
        !in->GetU8(&sealed) || sealed > 1 || !in->GetVarint(&indexes) ||
        indexes > in->remaining()) {
      return Bad("truncated segment info");
    }
    s.sealed = sealed != 0;
    s.indexes.resize(indexes);
    for (auto& name : s.indexes) {
      if (!GetString(in, &name)) return Bad("truncated segment info");
    }
    s.id = info->segments.size();
    info->segments.push_back(std::move(s));
  }
  return Status::Ok();
}

}  // namespace ragdb::cluster
