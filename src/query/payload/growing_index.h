// GrowingPayloadIndex: the payload index of the growing segment, so that filters on fresh rows
// read postings instead of every payload. It is a short list of StoredPayloadIndex chunks over
// consecutive row ranges, each built from the rows' payloads; a new chunk covers the rows appended
// since the last one, and neighbouring chunks are merged (rebuilt as one) whenever the older is
// not more than twice the newer, so there are O(log rows) chunks and each row is rebuilt
// O(log rows) times. Answers are the union of the chunks' answers, so they follow the same
// contract (payload_index.h) and equal a scan of the payloads.
//
// Thread safety: Extend runs under the owning collection's exclusive lock, lookups under its
// shared lock; nothing is built lazily on the read side.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "query/payload/stored_index.h"

namespace ragdb {

class GrowingPayloadIndex final : public PayloadIndex {
 public:
  explicit GrowingPayloadIndex(const PayloadIndexField& field);

  // Covers rows [rows(), n): payload(r) is row r's payload (nullptr = none), called for the new
  // rows and for the rows of chunks being merged. InvalidArgument only for a bad path.
  Status Extend(size_t n, const std::function<const Json*(size_t)>& payload);

  const std::string& path() const override { return field_.path; }
  PayloadType type() const override { return field_.type; }
  size_t rows() const override { return rows_; }
  const std::vector<uint32_t>& other_rows() const override { return other_rows_; }
  std::optional<IndexAnswer> Lookup(const Condition& c, size_t rows) const override;
  std::optional<size_t> EstimateCount(const Condition& c) const override;

  size_t chunks() const { return chunks_.size(); }

 private:
  struct Chunk {
    size_t base;
    StoredPayloadIndex index;
  };
  Result<StoredPayloadIndex> BuildRange(size_t begin, size_t end,
                                        const std::function<const Json*(size_t)>& payload) const;
  void RecomputeOtherRows();

  PayloadIndexField field_;
  size_t rows_ = 0;
  std::vector<Chunk> chunks_;
  std::vector<uint32_t> other_rows_;
};

}  // namespace ragdb
