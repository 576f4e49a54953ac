#include "cluster/wire/log_ops.h"

#include "base/bytes.h"
#include "base/crc32c.h"
#include "base/json_text.h"
#include "storage/record_codec.h"

namespace ragdb::cluster {
namespace {

constexpr std::string_view kChunkMagic = "RAGDBCHK";
constexpr uint32_t kChunkVersion = 1;
constexpr size_t kChunkHeader = 8 + 4 + 8 + 8 + 4 + 8;

Status Bad(const std::string& what) { return Status::Corruption("log ops: " + what); }

// Upserts with multi-vectors are written under a kind of their own, each record followed by its
// multi-vectors, so that logs without them keep the form every version reads.
constexpr uint8_t kUpsertMultiKind = 6;

bool HasMultiVectors(const std::vector<Record>& records) {
  for (const Record& r : records) {
    if (!r.multi_vectors.empty()) return true;
  }
  return false;
}

}  // namespace

void EncodeOps(const std::vector<LogOp>& ops, std::string* out) {
  PutVarint(out, ops.size());
  for (const LogOp& op : ops) {
    const bool multi = op.kind == LogOp::Kind::kUpsert && HasMultiVectors(op.records);
    out->push_back(static_cast<char>(multi ? kUpsertMultiKind : static_cast<uint8_t>(op.kind)));
    switch (op.kind) {
      case LogOp::Kind::kUpsert:
        PutVarint(out, op.records.size());
        for (const Record& r : op.records) {
          storage::EncodeRecord(r, out);
          if (multi) storage::EncodeMultiVectors(r, out);
        }
        break;
      case LogOp::Kind::kDelete:
        PutVarint(out, op.ids.size());
        for (const PointId& id : op.ids) storage::EncodeId(id, out);
        break;
      case LogOp::Kind::kSetPayload:
        PutVarint(out, op.ids.size());
        for (const PointId& id : op.ids) storage::EncodeId(id, out);
        PutBytes(out, WriteJson(op.json));
        out->push_back(op.merge ? 1 : 0);
        break;
      case LogOp::Kind::kDeleteFilter:
      case LogOp::Kind::kPayloadIndex:
      case LogOp::Kind::kDropPayloadIndex:
      case LogOp::Kind::kVectorIndex:
        PutBytes(out, WriteJson(op.json));
        break;
    }
  }
}

Result<std::vector<LogOp>> DecodeOps(std::string_view bytes) {
  ByteReader in(bytes);
  uint64_t count;
  if (!in.GetVarint(&count) || count > bytes.size()) return Bad("bad op count");
  std::vector<LogOp> ops(count);
  for (LogOp& op : ops) {
    uint8_t kind;
    if (!in.GetU8(&kind) || kind < 1 || kind > static_cast<uint8_t>(LogOp::Kind::kVectorIndex)) {
      return Bad("unknown op kind");
    }
    const bool multi = kind == kUpsertMultiKind;
    op.kind = multi ? LogOp::Kind::kUpsert : static_cast<LogOp::Kind>(kind);
    auto read_ids = [&]() -> Status {
      uint64_t n;
      if (!in.GetVarint(&n) || n > in.remaining()) return Bad("bad id count");
      op.ids.resize(n);
      for (auto& id : op.ids) {
        if (!storage::DecodeId(&in, &id)) return Bad("truncated id");
      }
      return Status::Ok();
    };
    auto read_json = [&]() -> Status {
      std::string_view text;
      if (!in.GetBytes(&text)) return Bad("truncated JSON");
      auto j = ReadJson(text);
      if (!j.ok()) return Bad("bad JSON: " + j.status().message());
      op.json = std::move(j).value();
      return Status::Ok();
    };
    switch (op.kind) {
      case LogOp::Kind::kUpsert: {
        uint64_t n;
        if (!in.GetVarint(&n) || n > in.remaining()) return Bad("bad record count");
        op.records.resize(n);
        for (auto& r : op.records) {
          RAGDB_RETURN_IF_ERROR(storage::DecodeRecord(&in, &r));
          if (multi) RAGDB_RETURN_IF_ERROR(storage::DecodeMultiVectors(&in, &r));
        }
        break;
      }
      case LogOp::Kind::kDelete:
        RAGDB_RETURN_IF_ERROR(read_ids());
        break;
      case LogOp::Kind::kSetPayload: {
        RAGDB_RETURN_IF_ERROR(read_ids());
        RAGDB_RETURN_IF_ERROR(read_json());
        uint8_t merge;
        if (!in.GetU8(&merge)) return Bad("truncated set_payload");
        op.merge = merge != 0;
        break;
      }
      case LogOp::Kind::kDeleteFilter:
      case LogOp::Kind::kPayloadIndex:
      case LogOp::Kind::kDropPayloadIndex:
      case LogOp::Kind::kVectorIndex:
        RAGDB_RETURN_IF_ERROR(read_json());
        break;
    }
  }
  if (!in.empty()) return Bad("trailing bytes");
  return ops;
}

std::string EncodeChunk(uint64_t seq, uint64_t epoch, const std::vector<LogOp>& ops) {
  std::string body;
  EncodeOps(ops, &body);
  std::string out(kChunkMagic);
  PutFixed32(&out, kChunkVersion);
  PutFixed64(&out, seq);
  PutFixed64(&out, epoch);
  PutFixed32(&out, crc32c::Value(body));
  PutFixed64(&out, body.size());
  out += body;
  return out;
}

Result<std::vector<LogOp>> DecodeChunk(std::string_view bytes, uint64_t seq, uint64_t epoch,
                                       const std::string& name) {
  auto bad = [&](const std::string& what) { return Status::Corruption(name + ": " + what); };
  if (bytes.size() < kChunkHeader || bytes.substr(0, 8) != kChunkMagic) {
    return bad("not a ragdb log chunk");
  }
  ByteReader in(bytes.substr(8));
  uint32_t version, crc;
  uint64_t got_seq, got_epoch, length;
  in.GetFixed32(&version);
  in.GetFixed64(&got_seq);
  in.GetFixed64(&got_epoch);
  in.GetFixed32(&crc);
  in.GetFixed64(&length);
  if (version != kChunkVersion) return bad("unsupported chunk version " + std::to_string(version));
  if (got_seq != seq || got_epoch != epoch) {
    return bad("holds seq " + std::to_string(got_seq) + " epoch " + std::to_string(got_epoch) +
               ", expected seq " + std::to_string(seq) + " epoch " + std::to_string(epoch));
  }
  if (length != in.remaining()) return bad("truncated (body length differs)");
  std::string_view body = bytes.substr(kChunkHeader);
  if (crc32c::Value(body) != crc) return bad("checksum mismatch");
  auto ops = DecodeOps(body);
  if (!ops.ok()) return bad(ops.status().message());
  return ops;
}

uint64_t OpRows(const std::vector<LogOp>& ops) {
  uint64_t n = 0;
  for (const auto& op : ops) n += op.records.size() + op.ids.size();
  return n;
}

}  // namespace ragdb::cluster
