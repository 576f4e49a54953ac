// PointId: a record's id, an unsigned 64-bit integer or a string (UUIDs included), as in Qdrant.
#pragma once

#include <compare>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <variant>

#include "ragdb/json.h"
#include "ragdb/status.h"

namespace ragdb {

class PointId {
 public:
  PointId() : v_(uint64_t{0}) {}
  PointId(uint64_t n) : v_(n) {}                  // NOLINT: implicit by design
  PointId(std::string s) : v_(std::move(s)) {}    // NOLINT
  PointId(const char* s) : v_(std::string(s)) {}  // NOLINT

  bool is_number() const { return std::holds_alternative<uint64_t>(v_); }
  uint64_t number() const { return std::get<uint64_t>(v_); }
  const std::string& str() const { return std::get<std::string>(v_); }

  // Numbers print as decimal, strings as they are.
  std::string ToString() const;
  Json ToJson() const;  // a JSON number or string
  // Accepts a non-negative JSON integer or a non-empty string (at most kMaxStringIdBytes).
  static Result<PointId> FromJson(const Json& j);
  // From command-line text: all digits -> number, anything else -> string.
  static Result<PointId> Parse(std::string_view text);

  static constexpr size_t kMaxStringIdBytes = 1024;

  // Scroll order: numbers first (ascending), then strings (byte order).
  friend auto operator<=>(const PointId&, const PointId&) = default;
  friend bool operator==(const PointId&, const PointId&) = default;

 private:
  std::variant<uint64_t, std::string> v_;
};

}  // namespace ragdb

template <>
struct std::hash<ragdb::PointId> {
  size_t operator()(const ragdb::PointId& id) const noexcept {
    if (id.is_number()) return std::hash<uint64_t>()(id.number() * 0x9E3779B97F4A7C15ull);
    return std::hash<std::string>()(id.str());
  }
};
