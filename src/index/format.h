// The container every index serializes into: a header, a section table and 64-byte aligned
// sections, each with its own CRC32C. Readers get sections in place (zero-copy) when the blob is
// suitably aligned (an mmapped file always is); otherwise the section is copied once.
//
// Layout (all integers little-endian):
//   0   char[8]  magic "RAGDBIX1"
//   8   u32      format version (kFormatVersion)
//   12  u32      IndexKind
//   16  u32      section count S
//   20  u32      CRC32C of bytes [0, 64 + 32 * S) with this field zeroed
//   24  u64      total blob size
//   32  32 bytes reserved (zero)
//   64  S x { u32 tag, u32 crc32c, u64 offset, u64 size, u64 reserved }
//   ... sections, each at an offset that is a multiple of 64
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "index/vector_index.h"
#include "ragdb/status.h"

namespace ragdb::index {

inline constexpr uint32_t kFormatVersion = 1;

constexpr uint32_t SectionTag(const char (&s)[5]) {
  return uint32_t(uint8_t(s[0])) | uint32_t(uint8_t(s[1])) << 8 | uint32_t(uint8_t(s[2])) << 16 |
         uint32_t(uint8_t(s[3])) << 24;
}

class BlobWriter {
 public:
  explicit BlobWriter(IndexKind kind) : kind_(kind) {}
  // The bytes are copied at Finish time; they must stay valid until then.
  void Add(uint32_t tag, const void* data, size_t bytes) {
    sections_.push_back({tag, static_cast<const char*>(data), bytes});
  }
  template <typename T>
  void AddVector(uint32_t tag, const std::vector<T>& v) {
    Add(tag, v.data(), v.size() * sizeof(T));
  }
  // Appends the blob to *out.
  void Finish(std::string* out) const;

 private:
  struct Pending {
    uint32_t tag;
    const char* data;
    size_t size;
  };
  IndexKind kind_;
  std::vector<Pending> sections_;
};

class BlobReader {
 public:
  // Checks magic, version, kind, the header CRC, that every section lies inside the blob and
  // (when verify_checksums) every section's CRC.
  static Result<std::unique_ptr<BlobReader>> Open(std::string_view bytes, IndexKind expected,
                                                  bool verify_checksums);
  static Result<IndexKind> PeekKind(std::string_view bytes);

  // The section's bytes; Corruption when absent.
  Result<std::string_view> Bytes(uint32_t tag) const;
  // The section as `count` elements of T, aligned for T (copied once if the blob is not).
  template <typename T>
  Result<const T*> Array(uint32_t tag, size_t count) {
    RAGDB_ASSIGN_OR_RETURN(std::string_view b, Bytes(tag));
    if (b.size() != count * sizeof(T)) {
      return Status::Corruption("index section " + TagName(tag) + " has " +
                                std::to_string(b.size()) + " bytes, expected " +
                                std::to_string(count * sizeof(T)));
    }
    if (count == 0) return static_cast<const T*>(nullptr);
    if (reinterpret_cast<uintptr_t>(b.data()) % alignof(T) != 0) {
      copies_.emplace_back(new char[b.size() + alignof(std::max_align_t)]);
      char* p = copies_.back().get();
      std::memcpy(p, b.data(), b.size());
      return reinterpret_cast<const T*>(p);
    }
    return reinterpret_cast<const T*>(b.data());
  }
  // A fixed-size POD struct section.
  template <typename T>
  Status Pod(uint32_t tag, T* out) const {
    RAGDB_ASSIGN_OR_RETURN(std::string_view b, Bytes(tag));
    if (b.size() != sizeof(T)) return Status::Corruption("index section " + TagName(tag) + " size");
    std::memcpy(out, b.data(), sizeof(T));
    return Status::Ok();
  }
  static std::string TagName(uint32_t tag);

 private:
  struct Section {
    uint32_t tag;
    std::string_view bytes;
  };
  std::vector<Section> sections_;
  std::vector<std::unique_ptr<char[]>> copies_;  // misaligned sections, copied (new[] aligns 16)
};

}  // namespace ragdb::index
