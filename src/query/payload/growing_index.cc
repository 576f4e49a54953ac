#include "query/payload/growing_index.h"

namespace ragdb {

GrowingPayloadIndex::GrowingPayloadIndex(const PayloadIndexField& field) : field_(field) {}

Result<StoredPayloadIndex> GrowingPayloadIndex::BuildRange(
    size_t begin, size_t end, const std::function<const Json*(size_t)>& payload) const {
  std::vector<const Json*> payloads;
  payloads.reserve(end - begin);
  for (size_t r = begin; r < end; ++r) payloads.push_back(payload(r));
  return StoredPayloadIndex::Build(field_, payloads);
}

Status GrowingPayloadIndex::Extend(size_t n, const std::function<const Json*(size_t)>& payload) {
  if (n <= rows_) return Status::Ok();
  RAGDB_ASSIGN_OR_RETURN(StoredPayloadIndex fresh, BuildRange(rows_, n, payload));
  chunks_.push_back({rows_, std::move(fresh)});
  rows_ = n;
  while (chunks_.size() >= 2) {
    const Chunk& older = chunks_[chunks_.size() - 2];
    const Chunk& newer = chunks_.back();
    if (older.index.rows() > 2 * newer.index.rows()) break;
    const size_t begin = older.base;
    RAGDB_ASSIGN_OR_RETURN(StoredPayloadIndex merged, BuildRange(begin, rows_, payload));
    chunks_.pop_back();
    chunks_.back().index = std::move(merged);
  }
  RecomputeOtherRows();
  return Status::Ok();
}

void GrowingPayloadIndex::RecomputeOtherRows() {
  other_rows_.clear();
  for (const Chunk& c : chunks_) {
    for (uint32_t r : c.index.other_rows())
      other_rows_.push_back(static_cast<uint32_t>(c.base + r));
  }
}

std::optional<IndexAnswer> GrowingPayloadIndex::Lookup(const Condition& c, size_t rows) const {
  if (rows != rows_) return std::nullopt;
  if (chunks_.empty()) {
    // No rows yet: answer as an index of this type would, so callers treat it alike.
    Result<StoredPayloadIndex> none = StoredPayloadIndex::Build(field_, {});
    return none.ok() ? none->Lookup(c, 0) : std::nullopt;
  }
  IndexAnswer out{Bitset(rows_)};
  for (const Chunk& chunk : chunks_) {
    std::optional<IndexAnswer> part = chunk.index.Lookup(c, chunk.index.rows());
    if (!part) return std::nullopt;  // chunks are alike: one refusing means all do
    out.rows.OrShifted(part->rows, chunk.base);
    out.exact = out.exact && part->exact;
  }
  return out;
}

std::optional<size_t> GrowingPayloadIndex::EstimateCount(const Condition& c) const {
  size_t n = 0;
  for (const Chunk& chunk : chunks_) {
    std::optional<size_t> part = chunk.index.EstimateCount(c);
    if (!part) return std::nullopt;
    n += *part;
  }
  if (chunks_.empty()) {
    Result<StoredPayloadIndex> none = StoredPayloadIndex::Build(field_, {});
    return none.ok() ? none->EstimateCount(c) : std::nullopt;
  }
  return n;
}

}  // namespace ragdb
