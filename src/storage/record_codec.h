// Binary encoding of records, shared by the write-ahead log and segment files.
//
// Record layout (all integers little-endian, "bytes" = varint length + raw bytes):
//   id        u8 tag (0 = uint64, 1 = string) then u64 | bytes
//   vectors   varint count, then per vector: bytes name, varint dim, dim x f32
//             or, in the typed form: bytes name, u8 element type (ragdb::ElementType), varint dim,
//             simd::ElementRowBytes(type, dim) bytes (float16, int8, uint8, packed bits)
//   sparse    varint count, then per vector: bytes name, varint n, n x u32 index, n x f32 value
//   payload   bytes (MessagePack of the JSON object)
//   text      u8 present, then bytes when present
// Multi-vectors follow a record where the log says so (WalRecordType::kUpsertMulti):
//   multi     varint count, then per field: bytes name, varint dim, varint n, n x dim x f32
// The id and the document part (payload, text, sparse) can also be encoded alone: segment files
// keep dense vectors in their own columns.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "base/bytes.h"
#include "ragdb/record.h"
#include "ragdb/schema.h"
#include "ragdb/status.h"

namespace ragdb::storage {

// The element type each dense vector is stored in, by field name; unlisted names are float32.
using VectorTypes = std::map<std::string, ElementType, std::less<>>;

void EncodeId(const PointId& id, std::string* out);
bool DecodeId(ByteReader* in, PointId* id);

// The whole record. With `types`, vectors use the typed form (components must be valid for their
// type: simd::CheckElements); without, the float32 form. Decoding must be told which form it reads.
void EncodeRecord(const Record& r, std::string* out, const VectorTypes* types = nullptr);
Status DecodeRecord(ByteReader* in, Record* r, bool typed = false);

// The multi-vectors of a record (each matrix's rows all of one dimension; checked by callers).
void EncodeMultiVectors(const Record& r, std::string* out);
Status DecodeMultiVectors(ByteReader* in, Record* r);

// payload + text + sparse vectors (what a segment stores per row besides dense vectors and id).
void EncodeDocument(const Record& r, std::string* out);
Status DecodeDocument(std::string_view bytes, Record* r);

}  // namespace ragdb::storage
