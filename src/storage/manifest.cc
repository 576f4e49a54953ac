#include "storage/manifest.h"

#include <cstring>

#include "base/bytes.h"
#include "base/crc32c.h"
#include "base/file.h"

namespace ragdb::storage {
namespace {
constexpr char kMagic[8] = {'R', 'A', 'G', 'D', 'B', 'M', 'A', 'N'};
constexpr uint32_t kVersion = 1;
}  // namespace

std::string Manifest::Encode() const {
  Json segs = Json::array();
  for (const auto& s : segments) {
    Json seg = {{"id", s.id}, {"file", s.file}, {"rows", s.rows}, {"del_file", s.del_file}};
    if (!s.index_params.is_null()) seg["index_params"] = s.index_params;
    segs.push_back(std::move(seg));
  }
  Json j = {{"schema", schema},
            {"next_file_id", next_file_id},
            {"checkpoint_seq", checkpoint_seq},
            {"segments", segs},
            {"wal_files", wal_files}};
  std::string body = j.dump(1);
  std::string out(kMagic, 8);
  PutFixed32(&out, kVersion);
  PutFixed32(&out, static_cast<uint32_t>(body.size()));
  PutFixed32(&out, crc32c::Value(body.data(), body.size()));
  out += body;
  return out;
}

Result<Manifest> Manifest::Decode(std::string_view bytes, const std::string& path) {
  auto corrupt = [&](const std::string& what) { return Status::Corruption(path + ": " + what); };
  if (bytes.size() < 20 || std::memcmp(bytes.data(), kMagic, 8) != 0) {
    return corrupt("not a ragdb manifest");
  }
  if (DecodeFixed32(bytes.data() + 8) != kVersion) return corrupt("unsupported manifest version");
  uint32_t len = DecodeFixed32(bytes.data() + 12);
  if (bytes.size() != 20 + uint64_t{len}) return corrupt("manifest length mismatch");
  std::string_view body = bytes.substr(20);
  if (DecodeFixed32(bytes.data() + 16) != crc32c::Value(body.data(), body.size())) {
    return corrupt("manifest checksum mismatch");
  }
  Manifest m;
  try {
    Json j = Json::parse(body);
    m.schema = j.at("schema");
    m.next_file_id = j.at("next_file_id").get<uint64_t>();
    m.checkpoint_seq = j.at("checkpoint_seq").get<uint64_t>();
    for (const auto& s : j.at("segments")) {
      m.segments.push_back({s.at("id").get<uint64_t>(), s.at("file").get<std::string>(),
                            s.at("rows").get<uint64_t>(), s.at("del_file").get<std::string>(),
                            s.value("index_params", Json())});
      if (!m.segments.back().index_params.is_null() &&
          !m.segments.back().index_params.is_object()) {
        return corrupt("segment index_params must be an object");
      }
    }
    m.wal_files = j.at("wal_files").get<std::vector<std::string>>();
  } catch (const std::exception& e) {
    return corrupt(std::string("malformed manifest: ") + e.what());
  }
  return m;
}

Status WriteManifest(const std::string& dir, const Manifest& m) {
  return WriteFileAtomic(JoinPath(dir, kManifestName), m.Encode());
}

Result<Manifest> ReadManifest(const std::string& dir) {
  std::string path = JoinPath(dir, kManifestName);
  RAGDB_ASSIGN_OR_RETURN(std::string bytes, ReadFile(path));
  return Manifest::Decode(bytes, path);
}

}  // namespace ragdb::storage
