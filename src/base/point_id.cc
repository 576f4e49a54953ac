#include "ragdb/point_id.h"

#include <charconv>

namespace ragdb {

std::string PointId::ToString() const { return is_number() ? std::to_string(number()) : str(); }

Json PointId::ToJson() const { return is_number() ? Json(number()) : Json(str()); }

Result<PointId> PointId::FromJson(const Json& j) {
  if (j.is_number_unsigned()) return PointId(j.get<uint64_t>());
  // Parsed JSON holds non-negative integers as unsigned, but a Json built in C++ from int
  // literals holds them signed.
  if (j.is_number_integer()) {
    if (j.get<int64_t>() < 0) return Status::InvalidArgument("id must not be negative");
    return PointId(static_cast<uint64_t>(j.get<int64_t>()));
  }
  if (j.is_string()) {
    const auto& s = j.get_ref<const std::string&>();
    if (s.empty()) return Status::InvalidArgument("id must not be an empty string");
    if (s.size() > kMaxStringIdBytes) {
      return Status::InvalidArgument("string id longer than " + std::to_string(kMaxStringIdBytes) +
                                     " bytes");
    }
    return PointId(s);
  }
  return Status::InvalidArgument("id must be an unsigned integer or a string, got " +
                                 std::string(j.type_name()));
}

Result<PointId> PointId::Parse(std::string_view text) {
  if (text.empty()) return Status::InvalidArgument("empty id");
  bool digits = text.find_first_not_of("0123456789") == std::string_view::npos;
  if (digits) {
    uint64_t n = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec != std::errc() || ptr != text.data() + text.size()) {
      return Status::InvalidArgument("id out of range: " + std::string(text));
    }
    return PointId(n);
  }
  return FromJson(Json(std::string(text)));
}

}  // namespace ragdb
