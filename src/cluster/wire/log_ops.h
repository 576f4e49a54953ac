// The operations a shard's log carries, and their binary form. The same encoding serves two
// purposes:
//   - a WAL chunk object (one group commit of a shard: every op of every batch in it), and
//   - the body of a write forwarded from the node that received it to the shard's owner.
// Chunk objects are immutable and checksummed:
//   chunk := "RAGDBCHK" u32 version(=1) u64 seq u64 epoch u32 crc32c(body) u64 body_length body
//   body  := varint op_count, op*
//   op    := u8 kind, then by kind (records in storage/record_codec.h's float32 form):
//     kUpsert       varint n, n records (prepared: validated, embedded, normalized)
//     kDelete       varint n, n ids
//     kDeleteFilter bytes filter JSON            (forwarded only; the owner turns it into kDelete)
//     kSetPayload   varint n, n ids, bytes payload JSON, u8 merge   (forwarded only)
//     kPayloadIndex bytes field JSON {"path":..,"type":..}
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ragdb/database.h"

namespace ragdb::cluster {

struct LogOp {
  enum class Kind : uint8_t {
    kUpsert = 1,
    kDelete = 2,
    kDeleteFilter = 3,
    kSetPayload = 4,
    kPayloadIndex = 5,
    // 6 is the chunk code of an upsert whose records carry matrices (log_ops.cc).
    kDropPayloadIndex = 7,
    kVectorIndex = 8,
  };
  Kind kind = Kind::kUpsert;
  std::vector<Record> records;  // kUpsert
  std::vector<PointId> ids;     // kDelete, kSetPayload
  // kDeleteFilter: filter; kSetPayload: payload; kPayloadIndex: {path, type};
  // kDropPayloadIndex: {path}; kVectorIndex: {field, schema} (the schema with the new params)
  Json json;
  bool merge = false;  // kSetPayload
};

void EncodeOps(const std::vector<LogOp>& ops, std::string* out);
// Corruption naming what is wrong when the bytes are not a well-formed op list.
Result<std::vector<LogOp>> DecodeOps(std::string_view bytes);

std::string EncodeChunk(uint64_t seq, uint64_t epoch, const std::vector<LogOp>& ops);
// Checks magic, version, checksum and that the chunk is the one expected (seq, epoch).
Result<std::vector<LogOp>> DecodeChunk(std::string_view bytes, uint64_t seq, uint64_t epoch,
                                       const std::string& name);

// Rows a list of ops writes (for metrics and the snapshot trigger).
uint64_t OpRows(const std::vector<LogOp>& ops);

}  // namespace ragdb::cluster
