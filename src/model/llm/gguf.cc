#include "model/llm/gguf.h"

#include <cstring>
#include <limits>

namespace ragdb::model::llm {
namespace {

// Limits far above any real model, so that a corrupt count fails fast instead of allocating.
constexpr uint64_t kMaxStringBytes = 1u << 30;
constexpr uint64_t kMaxDims = 4;
constexpr uint64_t kMaxNesting = 2;

enum ValueType : uint32_t {
  kU8 = 0,
  kI8,
  kU16,
  kI16,
  kU32,
  kI32,
  kF32,
  kBool,
  kString,
  kArray,
  kU64,
  kI64,
  kF64
};

class Reader {
 public:
  Reader(const uint8_t* p, size_t size, const std::string& name)
      : p_(p), size_(size), name_(name) {}
  size_t pos() const { return pos_; }
  size_t left() const { return size_ - pos_; }

  Status Error(const std::string& what) const {
    return Status::Corruption(name_ + ": " + what + " (at byte " + std::to_string(pos_) + ")");
  }
  template <class T>
  Result<T> Get(const char* what) {
    if (left() < sizeof(T)) return Error(std::string("truncated ") + what);
    T v;
    std::memcpy(&v, p_ + pos_, sizeof(T));
    pos_ += sizeof(T);
    return v;
  }
  Result<std::string> String(const char* what) {
    RAGDB_ASSIGN_OR_RETURN(uint64_t n, Get<uint64_t>(what));
    if (n > kMaxStringBytes || n > left()) {
      return Error(std::string(what) + " length " + std::to_string(n) + " runs past the file");
    }
    std::string s(reinterpret_cast<const char*>(p_ + pos_), n);
    pos_ += n;
    return s;
  }

 private:
  const uint8_t* p_;
  size_t size_;
  size_t pos_ = 0;
  const std::string& name_;
};

size_t ScalarSize(uint32_t type) {
  switch (type) {
    case kU8:
    case kI8:
    case kBool:
      return 1;
    case kU16:
    case kI16:
      return 2;
    case kU32:
    case kI32:
    case kF32:
      return 4;
    case kU64:
    case kI64:
    case kF64:
      return 8;
    default:
      return 0;
  }
}

Result<GgufValue> ReadValue(Reader& r, uint32_t type, uint64_t depth) {
  GgufValue v;
  switch (type) {
    case kU8: {
      RAGDB_ASSIGN_OR_RETURN(uint8_t x, r.Get<uint8_t>("value"));
      v.kind = GgufValue::Kind::kUInt;
      v.u = x;
      v.i = x;
      break;
    }
    case kI8: {
      RAGDB_ASSIGN_OR_RETURN(int8_t x, r.Get<int8_t>("value"));
      v.kind = GgufValue::Kind::kInt;
      v.i = x;
      break;
    }
    case kU16: {
      RAGDB_ASSIGN_OR_RETURN(uint16_t x, r.Get<uint16_t>("value"));
      v.kind = GgufValue::Kind::kUInt;
      v.u = x;
      v.i = x;
      break;
    }
    case kI16: {
      RAGDB_ASSIGN_OR_RETURN(int16_t x, r.Get<int16_t>("value"));
      v.kind = GgufValue::Kind::kInt;
      v.i = x;
      break;
    }
    case kU32: {
      RAGDB_ASSIGN_OR_RETURN(uint32_t x, r.Get<uint32_t>("value"));
      v.kind = GgufValue::Kind::kUInt;
      v.u = x;
      v.i = x;
      break;
    }
    case kI32: {
      RAGDB_ASSIGN_OR_RETURN(int32_t x, r.Get<int32_t>("value"));
      v.kind = GgufValue::Kind::kInt;
      v.i = x;
      break;
    }
    case kU64: {
      RAGDB_ASSIGN_OR_RETURN(uint64_t x, r.Get<uint64_t>("value"));
      v.kind = GgufValue::Kind::kUInt;
      v.u = x;
      v.i = static_cast<int64_t>(x);
      break;
    }
    case kI64: {
      RAGDB_ASSIGN_OR_RETURN(int64_t x, r.Get<int64_t>("value"));
      v.kind = GgufValue::Kind::kInt;
      v.i = x;
      break;
    }
    case kF32: {
      RAGDB_ASSIGN_OR_RETURN(float x, r.Get<float>("value"));
      v.kind = GgufValue::Kind::kFloat;
      v.f = x;
      break;
    }
    case kF64: {
      RAGDB_ASSIGN_OR_RETURN(double x, r.Get<double>("value"));
      v.kind = GgufValue::Kind::kFloat;
      v.f = x;
      break;
    }
    case kBool: {
      RAGDB_ASSIGN_OR_RETURN(uint8_t x, r.Get<uint8_t>("value"));
      v.kind = GgufValue::Kind::kBool;
      v.b = x != 0;
      break;
    }
    case kString: {
      v.kind = GgufValue::Kind::kString;
      RAGDB_ASSIGN_OR_RETURN(v.s, r.String("string value"));
      break;
    }
    case kArray: {
      if (depth >= kMaxNesting) return r.Error("arrays nested too deep");
      RAGDB_ASSIGN_OR_RETURN(uint32_t elem, r.Get<uint32_t>("array type"));
      RAGDB_ASSIGN_OR_RETURN(uint64_t n, r.Get<uint64_t>("array length"));
      // Every element takes at least one byte (a string at least 8), so a count beyond the
      // bytes left is corrupt.
      size_t min_size = elem == kString ? 8 : ScalarSize(elem);
      if (elem != kArray && min_size == 0) {
        return r.Error("unknown array element type " + std::to_string(elem));
      }
      if (n > r.left() / std::max<size_t>(1, min_size)) {
        return r.Error("array length " + std::to_string(n) + " runs past the file");
      }
      v.kind = GgufValue::Kind::kArray;
      v.array.reserve(n);
      for (uint64_t k = 0; k < n; ++k) {
        RAGDB_ASSIGN_OR_RETURN(GgufValue e, ReadValue(r, elem, depth + 1));
        v.array.push_back(std::move(e));
      }
      break;
    }
    default:
      return r.Error("unknown metadata value type " + std::to_string(type));
  }
  return v;
}

}  // namespace

Result<std::unique_ptr<GgufFile>> GgufFile::Open(const std::string& path) {
  RAGDB_ASSIGN_OR_RETURN(auto file, MappedFile::Open(path));
  RAGDB_ASSIGN_OR_RETURN(auto g, Parse(file->data(), file->size(), path));
  g->file_ = std::move(file);
  return g;
}

Result<std::unique_ptr<GgufFile>> GgufFile::Parse(const uint8_t* bytes, size_t size,
                                                  std::string name) {
  auto g = std::unique_ptr<GgufFile>(new GgufFile());
  g->path_ = std::move(name);
  Reader r(bytes, size, g->path_);
  RAGDB_ASSIGN_OR_RETURN(uint32_t magic, r.Get<uint32_t>("magic"));
  if (magic != 0x46554747u) return r.Error("not a GGUF file (bad magic)");
  RAGDB_ASSIGN_OR_RETURN(g->version_, r.Get<uint32_t>("version"));
  if (g->version_ != 2 && g->version_ != 3) {
    return Status::Unimplemented(g->path_ + ": GGUF version " + std::to_string(g->version_) +
                                 " is not supported (2 and 3 are)");
  }
  RAGDB_ASSIGN_OR_RETURN(uint64_t n_tensors, r.Get<uint64_t>("tensor count"));
  RAGDB_ASSIGN_OR_RETURN(uint64_t n_kv, r.Get<uint64_t>("metadata count"));
  // A key-value pair takes at least 13 bytes and a tensor entry at least 28.
  if (n_kv > r.left() / 13) return r.Error("metadata count " + std::to_string(n_kv) + " is absurd");
  if (n_tensors > r.left() / 28) {
    return r.Error("tensor count " + std::to_string(n_tensors) + " is absurd");
  }
  for (uint64_t k = 0; k < n_kv; ++k) {
    RAGDB_ASSIGN_OR_RETURN(std::string key, r.String("metadata key"));
    RAGDB_ASSIGN_OR_RETURN(uint32_t type, r.Get<uint32_t>("metadata type"));
    RAGDB_ASSIGN_OR_RETURN(GgufValue v, ReadValue(r, type, 0));
    if (!g->kv_.emplace(key, std::move(v)).second) return r.Error("duplicate key " + key);
  }
  uint64_t alignment = g->UIntOr("general.alignment", 32);
  if (alignment == 0 || (alignment & (alignment - 1)) != 0 || alignment > 65536) {
    return r.Error("general.alignment " + std::to_string(alignment) + " is not a power of two");
  }
  struct Pending {
    GgufTensor t;
    uint64_t offset;
  };
  std::vector<Pending> pending;
  pending.reserve(n_tensors);
  for (uint64_t k = 0; k < n_tensors; ++k) {
    Pending p;
    RAGDB_ASSIGN_OR_RETURN(p.t.name, r.String("tensor name"));
    RAGDB_ASSIGN_OR_RETURN(uint32_t n_dims, r.Get<uint32_t>("tensor rank"));
    if (n_dims == 0 || n_dims > kMaxDims) {
      return r.Error("tensor " + p.t.name + " has rank " + std::to_string(n_dims));
    }
    uint64_t elements = 1;
    for (uint32_t d = 0; d < n_dims; ++d) {
      RAGDB_ASSIGN_OR_RETURN(uint64_t dim, r.Get<uint64_t>("tensor dimension"));
      if (dim == 0 || dim > (uint64_t{1} << 40) ||
          elements > std::numeric_limits<uint64_t>::max() / dim) {
        return r.Error("tensor " + p.t.name + " has an absurd dimension " + std::to_string(dim));
      }
      elements *= dim;
      p.t.dims.push_back(dim);
    }
    if (elements > (uint64_t{1} << 40)) {
      return r.Error("tensor " + p.t.name + " has an absurd size");
    }
    RAGDB_ASSIGN_OR_RETURN(uint32_t type, r.Get<uint32_t>("tensor type"));
    auto traits = TraitsOf(type);
    if (!traits.ok()) {
      return Status::Unimplemented(g->path_ + ": tensor " + p.t.name + ": " +
                                   traits.status().message());
    }
    p.t.type = static_cast<GgmlType>(type);
    if (p.t.dims[0] % traits->block_elems != 0) {
      return r.Error("tensor " + p.t.name + " row length " + std::to_string(p.t.dims[0]) +
                     " is not a multiple of its " + traits->name + " block");
    }
    p.t.bytes = elements / traits->block_elems * traits->block_bytes;
    RAGDB_ASSIGN_OR_RETURN(p.offset, r.Get<uint64_t>("tensor offset"));
    if (p.offset % alignment != 0) {
      return r.Error("tensor " + p.t.name + " offset " + std::to_string(p.offset) +
                     " is not aligned");
    }
    pending.push_back(std::move(p));
  }
  const uint64_t data_start = (r.pos() + alignment - 1) / alignment * alignment;
  for (auto& p : pending) {
    if (data_start > size || p.offset > size - data_start ||
        p.t.bytes > size - data_start - p.offset) {
      return Status::Corruption(g->path_ + ": tensor " + p.t.name + " (" +
                                std::to_string(p.t.bytes) + " bytes at offset " +
                                std::to_string(p.offset) + ") lies outside the file of " +
                                std::to_string(size) + " bytes (truncated?)");
    }
    p.t.data = bytes + data_start + p.offset;
    std::string tname = p.t.name;
    if (!g->tensors_.emplace(tname, std::move(p.t)).second) {
      return Status::Corruption(g->path_ + ": duplicate tensor " + tname);
    }
  }
  return g;
}

const GgufValue* GgufFile::Find(const std::string& key) const {
  auto it = kv_.find(key);
  return it == kv_.end() ? nullptr : &it->second;
}

const GgufTensor* GgufFile::FindTensor(const std::string& name) const {
  auto it = tensors_.find(name);
  return it == tensors_.end() ? nullptr : &it->second;
}

Result<std::string> GgufFile::GetString(const std::string& key) const {
  const GgufValue* v = Find(key);
  if (!v) return Status::NotFound(path_ + ": metadata " + key + " is missing");
  if (v->kind != GgufValue::Kind::kString) {
    return Status::InvalidArgument(path_ + ": metadata " + key + " is not a string");
  }
  return v->s;
}

Result<uint64_t> GgufFile::GetUInt(const std::string& key) const {
  const GgufValue* v = Find(key);
  if (!v) return Status::NotFound(path_ + ": metadata " + key + " is missing");
  if (v->kind == GgufValue::Kind::kUInt) return v->u;
  if (v->kind == GgufValue::Kind::kInt && v->i >= 0) return static_cast<uint64_t>(v->i);
  return Status::InvalidArgument(path_ + ": metadata " + key + " is not a non-negative integer");
}

Result<double> GgufFile::GetFloat(const std::string& key) const {
  const GgufValue* v = Find(key);
  if (!v) return Status::NotFound(path_ + ": metadata " + key + " is missing");
  if (v->kind == GgufValue::Kind::kFloat) return v->f;
  if (v->kind == GgufValue::Kind::kUInt) return static_cast<double>(v->u);
  if (v->kind == GgufValue::Kind::kInt) return static_cast<double>(v->i);
  return Status::InvalidArgument(path_ + ": metadata " + key + " is not a number");
}

std::string GgufFile::StringOr(const std::string& key, const std::string& fallback) const {
  auto v = GetString(key);
  return v.ok() ? *v : fallback;
}
uint64_t GgufFile::UIntOr(const std::string& key, uint64_t fallback) const {
  auto v = GetUInt(key);
  return v.ok() ? *v : fallback;
}
double GgufFile::FloatOr(const std::string& key, double fallback) const {
  auto v = GetFloat(key);
  return v.ok() ? *v : fallback;
}
bool GgufFile::BoolOr(const std::string& key, bool fallback) const {
  const GgufValue* v = Find(key);
  return v && v->kind == GgufValue::Kind::kBool ? v->b : fallback;
}

}  // namespace ragdb::model::llm
