// The manifest: the list of a collection's live files, replaced atomically (write to a temp
// name, fsync, rename) whenever that list changes. Format: docs/format-manifest.md.
//
//   "RAGDBMAN" u32 version(=1) u32 body_length u32 crc32c(body) body(JSON)
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ragdb/json.h"
#include "ragdb/status.h"

namespace ragdb::storage {

struct ManifestSegment {
  uint64_t id = 0;
  std::string file;  // segment file name, relative to the collection folder
  uint64_t rows = 0;
  std::string del_file;  // tombstone file name; empty when no row was deleted at checkpoint
  // The index parameters its vector indexes were built for: {field name: schema "index"
  // object}. Null for segments written before ragdb recorded them (taken to match the schema).
  Json index_params;
};

struct Manifest {
  Json schema;                  // CollectionSchema::ToJson()
  uint64_t next_file_id = 1;    // source of unique file names
  uint64_t checkpoint_seq = 0;  // every WAL record with seq <= this is in the segments
  std::vector<ManifestSegment> segments;
  std::vector<std::string> wal_files;  // in replay order

  std::string Encode() const;
  static Result<Manifest> Decode(std::string_view bytes, const std::string& path);
};

inline constexpr const char* kManifestName = "MANIFEST";

Status WriteManifest(const std::string& dir, const Manifest& m);
Result<Manifest> ReadManifest(const std::string& dir);

}  // namespace ragdb::storage
