#include "storage/record_codec.h"

#include <cstring>

#include "simd/elements.h"

namespace ragdb::storage {
namespace {

Status Truncated(const char* what) {
  return Status::Corruption(std::string("record truncated in ") + what);
}

void EncodeSparseAndPayloadAndText(const Record& r, std::string* out) {
  PutVarint(out, r.sparse_vectors.size());
  for (const auto& [name, sv] : r.sparse_vectors) {
    PutBytes(out, name);
    PutVarint(out, sv.indices.size());
    out->append(reinterpret_cast<const char*>(sv.indices.data()), sv.indices.size() * 4);
    out->append(reinterpret_cast<const char*>(sv.values.data()), sv.values.size() * 4);
  }
  std::vector<uint8_t> mp = Json::to_msgpack(r.payload);
  PutBytes(out, std::string_view(reinterpret_cast<const char*>(mp.data()), mp.size()));
  out->push_back(r.text.has_value() ? 1 : 0);
  if (r.text) PutBytes(out, *r.text);
}

Status DecodeSparseAndPayloadAndText(ByteReader* in, Record* r) {
  r->sparse_vectors.clear();  // callers reuse one Record across rows
  uint64_t n;
  if (!in->GetVarint(&n)) return Truncated("sparse vectors");
  for (uint64_t i = 0; i < n; ++i) {
    std::string_view name, idx, val;
    uint64_t count;
    if (!in->GetBytes(&name) || !in->GetVarint(&count) || count > in->remaining() / 8 ||
        !in->GetRaw(count * 4, &idx) || !in->GetRaw(count * 4, &val)) {
      return Truncated("sparse vectors");
    }
    SparseVector sv;
    sv.indices.resize(count);
    sv.values.resize(count);
    std::memcpy(sv.indices.data(), idx.data(), count * 4);
    std::memcpy(sv.values.data(), val.data(), count * 4);
    r->sparse_vectors.emplace(std::string(name), std::move(sv));
  }
  std::string_view payload;
  if (!in->GetBytes(&payload)) return Truncated("payload");
  r->payload = Json::from_msgpack(payload.begin(), payload.end(), true, false);
  if (r->payload.is_discarded() || !r->payload.is_object()) {
    return Status::Corruption("record payload is not a valid MessagePack object");
  }
  uint8_t has_text;
  if (!in->GetU8(&has_text) || has_text > 1) return Truncated("text flag");
  if (has_text) {
    std::string_view text;
    if (!in->GetBytes(&text)) return Truncated("text");
    r->text = std::string(text);
  } else {
    r->text.reset();
  }
  return Status::Ok();
}

}  // namespace

void EncodeId(const PointId& id, std::string* out) {
  if (id.is_number()) {
    out->push_back(0);
    PutFixed64(out, id.number());
  } else {
    out->push_back(1);
    PutBytes(out, id.str());
  }
}

bool DecodeId(ByteReader* in, PointId* id) {
  uint8_t tag;
  if (!in->GetU8(&tag)) return false;
  if (tag == 0) {
    uint64_t n;
    if (!in->GetFixed64(&n)) return false;
    *id = PointId(n);
    return true;
  }
  std::string_view s;
  if (tag != 1 || !in->GetBytes(&s) || s.empty()) return false;
  *id = PointId(std::string(s));
  return true;
}

void EncodeRecord(const Record& r, std::string* out, const VectorTypes* types) {
  EncodeId(r.id, out);
  PutVarint(out, r.vectors.size());
  for (const auto& [name, v] : r.vectors) {
    PutBytes(out, name);
    if (types == nullptr) {
      PutVarint(out, v.size());
      out->append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(float));
      continue;
    }
    auto it = types->find(name);
    const ElementType type = it == types->end() ? ElementType::kFloat32 : it->second;
    out->push_back(static_cast<char>(type));
    PutVarint(out, v.size());
    const size_t at = out->size();
    out->resize(at + simd::ElementRowBytes(type, v.size()));
    simd::EncodeElements(type, v.data(), v.size(), reinterpret_cast<uint8_t*>(out->data() + at));
  }
  EncodeSparseAndPayloadAndText(r, out);
}

Status DecodeRecord(ByteReader* in, Record* r, bool typed) {
  if (!DecodeId(in, &r->id)) return Truncated("id");
  uint64_t n;
  if (!in->GetVarint(&n)) return Truncated("vectors");
  r->vectors.clear();
  for (uint64_t i = 0; i < n; ++i) {
    std::string_view name, data;
    uint8_t type_byte = static_cast<uint8_t>(ElementType::kFloat32);
    uint64_t dim;
    if (!in->GetBytes(&name) || (typed && !in->GetU8(&type_byte)) || !in->GetVarint(&dim)) {
      return Truncated("vectors");
    }
    if (type_byte > static_cast<uint8_t>(ElementType::kUint8)) {
      return Status::Corruption("record vector has unknown element type " +
                                std::to_string(type_byte));
    }
    const auto type = static_cast<ElementType>(type_byte);
    // Every type takes at least one byte per 8 components: bounds dim before allocating.
    if (dim > in->remaining() * 8 ||
        !in->GetRaw(simd::ElementRowBytes(type, static_cast<size_t>(dim)), &data)) {
      return Truncated("vectors");
    }
    std::vector<float> v(dim);
    simd::DecodeElements(type, reinterpret_cast<const uint8_t*>(data.data()), dim, v.data());
    r->vectors.emplace(std::string(name), std::move(v));
  }
  try {
    return DecodeSparseAndPayloadAndText(in, r);
  } catch (const std::exception& e) {
    return Status::Corruption(std::string("record payload: ") + e.what());
  }
}

void EncodeMultiVectors(const Record& r, std::string* out) {
  PutVarint(out, r.multi_vectors.size());
  for (const auto& [name, m] : r.multi_vectors) {
    PutBytes(out, name);
    PutVarint(out, m.empty() ? 0 : m[0].size());
    PutVarint(out, m.size());
    for (const auto& v : m) {
      out->append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(float));
    }
  }
}

Status DecodeMultiVectors(ByteReader* in, Record* r) {
  r->multi_vectors.clear();
  uint64_t count;
  if (!in->GetVarint(&count)) return Truncated("multi-vectors");
  for (uint64_t i = 0; i < count; ++i) {
    std::string_view name, data;
    uint64_t dim, n;
    if (!in->GetBytes(&name) || !in->GetVarint(&dim) || !in->GetVarint(&n)) {
      return Truncated("multi-vectors");
    }
    // Bounds the sizes by the bytes left before allocating.
    if (dim == 0 ? n != 0 : n > in->remaining() / 4 / dim) return Truncated("multi-vectors");
    if (!in->GetRaw(n * dim * sizeof(float), &data)) return Truncated("multi-vectors");
    MultiVector m(n, std::vector<float>(dim));
    for (uint64_t t = 0; t < n; ++t) {
      std::memcpy(m[t].data(), data.data() + t * dim * sizeof(float), dim * sizeof(float));
    }
    r->multi_vectors.emplace(std::string(name), std::move(m));
  }
  return Status::Ok();
}

void EncodeDocument(const Record& r, std::string* out) { EncodeSparseAndPayloadAndText(r, out); }

Status DecodeDocument(std::string_view bytes, Record* r) {
  ByteReader in(bytes);
  try {
    RAGDB_RETURN_IF_ERROR(DecodeSparseAndPayloadAndText(&in, r));
  } catch (const std::exception& e) {
    return Status::Corruption(std::string("record payload: ") + e.what());
  }
  if (!in.empty()) return Status::Corruption("trailing bytes after a stored document");
  return Status::Ok();
}

}  // namespace ragdb::storage
