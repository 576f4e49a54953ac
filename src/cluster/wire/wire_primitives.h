// The primitives of the wire encoding between cluster nodes (wire.h): floats bit for bit,
// varint sizes, flag bytes, payloads as MessagePack. Internal to src/cluster/wire/wire*.cc.
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "ragdb/json.h"
#include "ragdb/status.h"

namespace ragdb::cluster::wire_internal {

inline Status Bad(const std::string& what) {
  return Status::InvalidArgument("cluster wire: " + what);
}

inline void PutFloat(std::string* out, float v) {
  out->append(reinterpret_cast<const char*>(&v), 4);
}
inline bool GetFloat(ByteReader* in, float* v) {
  std::string_view raw;
  if (!in->GetRaw(4, &raw)) return false;
  std::memcpy(v, raw.data(), 4);
  return true;
}
inline void PutFloats(std::string* out, const std::vector<float>& v) {
  PutVarint(out, v.size());
  out->append(reinterpret_cast<const char*>(v.data()), v.size() * 4);
}
inline bool GetFloats(ByteReader* in, std::vector<float>* v) {
  uint64_t n;
  std::string_view raw;
  if (!in->GetVarint(&n) || n > in->remaining() / 4 || !in->GetRaw(n * 4, &raw)) return false;
  v->resize(n);
  std::memcpy(v->data(), raw.data(), n * 4);
  return true;
}
inline bool GetSize(ByteReader* in, size_t* v) {
  uint64_t n;
  if (!in->GetVarint(&n)) return false;
  *v = static_cast<size_t>(n);
  return true;
}
inline bool GetU32(ByteReader* in, uint32_t* v) {
  uint64_t n;
  if (!in->GetVarint(&n) || n > UINT32_MAX) return false;
  *v = static_cast<uint32_t>(n);
  return true;
}
inline bool GetString(ByteReader* in, std::string* s) {
  std::string_view v;
  if (!in->GetBytes(&v)) return false;
  s->assign(v);
  return true;
}
inline void PutOptionalString(std::string* out, const std::optional<std::string>& s) {
  out->push_back(s ? 1 : 0);
  if (s) PutBytes(out, *s);
}
inline bool GetOptionalString(ByteReader* in, std::optional<std::string>* s) {
  uint8_t has;
  if (!in->GetU8(&has) || has > 1) return false;
  if (!has) {
    s->reset();
    return true;
  }
  std::string v;
  if (!GetString(in, &v)) return false;
  *s = std::move(v);
  return true;
}
// with_payload, with_vectors, with_text (and one more flag) as bits of one byte.
inline uint8_t Flags(bool a, bool b, bool c, bool d = false) {
  return static_cast<uint8_t>(a | (b << 1) | (c << 2) | (d << 3));
}
inline bool GetFlags(ByteReader* in, bool* a, bool* b, bool* c, bool* d = nullptr) {
  uint8_t f;
  if (!in->GetU8(&f) || f > 15) return false;
  *a = f & 1;
  *b = f & 2;
  *c = f & 4;
  if (d != nullptr) *d = f & 8;
  return d != nullptr || (f & 8) == 0;
}
inline void PutPayload(std::string* out, const Json& payload) {
  std::vector<uint8_t> mp = Json::to_msgpack(payload);
  PutBytes(out, std::string_view(reinterpret_cast<const char*>(mp.data()), mp.size()));
}
inline bool GetPayload(ByteReader* in, Json* payload) {
  std::string_view mp;
  if (!in->GetBytes(&mp)) return false;
  *payload = Json::from_msgpack(mp.begin(), mp.end(), true, false);
  return !payload->is_discarded();
}

}  // namespace ragdb::cluster::wire_internal
