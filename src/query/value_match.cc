#include "query/value_match.h"

#include <algorithm>
#include <cmath>

namespace ragdb::internal {
namespace {

// Integers of either JSON integer kind, widened so that int64 and uint64 compare exactly.
__int128 AsInt128(const Json& j) {
  if (j.is_number_unsigned()) return static_cast<__int128>(j.get<uint64_t>());
  return static_cast<__int128>(j.get<int64_t>());
}

constexpr double kTwo63 = 9223372036854775808.0;   // 2^63
constexpr double kTwo64 = 18446744073709551616.0;  // 2^64

bool IntEqualsDouble(__int128 i, double d) {
  if (!(d >= -kTwo63 && d < kTwo64)) return false;  // also rejects NaN
  if (std::floor(d) != d) return false;
  return static_cast<__int128>(d) == i;
}

bool IsWordByte(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80;
}

}  // namespace

bool ScalarEquals(const Json& leaf, const Json& value) {
  if (leaf.is_number() && value.is_number()) {
    bool lf = leaf.is_number_float();
    bool vf = value.is_number_float();
    if (lf && vf) return leaf.get<double>() == value.get<double>();
    if (!lf && !vf) return AsInt128(leaf) == AsInt128(value);
    if (lf) return IntEqualsDouble(AsInt128(value), leaf.get<double>());
    return IntEqualsDouble(AsInt128(leaf), value.get<double>());
  }
  if (leaf.is_string() && value.is_string()) {
    return leaf.get_ref<const std::string&>() == value.get_ref<const std::string&>();
  }
  if (leaf.is_boolean() && value.is_boolean()) return leaf.get<bool>() == value.get<bool>();
  return leaf.is_null() && value.is_null();
}

std::optional<double> NumberAsDouble(const Json& j) {
  if (j.is_number_float()) return j.get<double>();
  if (j.is_number_unsigned()) return static_cast<double>(j.get<uint64_t>());
  if (j.is_number_integer()) return static_cast<double>(j.get<int64_t>());
  return std::nullopt;
}

bool AboveLower(double x, const Range& r) {
  if (r.gt && !(x > *r.gt)) return false;
  if (r.gte && !(x >= *r.gte)) return false;
  return true;
}

bool BelowUpper(double x, const Range& r) {
  if (r.lt && !(x < *r.lt)) return false;
  if (r.lte && !(x <= *r.lte)) return false;
  return true;
}

std::optional<int64_t> ExactInt64(const Json& j) {
  if (j.is_number_unsigned()) {
    uint64_t u = j.get<uint64_t>();
    if (u > static_cast<uint64_t>(INT64_MAX)) return std::nullopt;
    return static_cast<int64_t>(u);
  }
  if (j.is_number_integer()) return j.get<int64_t>();
  if (j.is_number_float()) {
    double d = j.get<double>();
    if (!(d >= -kTwo63 && d < kTwo63) || std::floor(d) != d) return std::nullopt;
    return static_cast<int64_t>(d);
  }
  return std::nullopt;
}

std::optional<double> ExactDouble(const Json& j) {
  if (j.is_number_float()) {
    double d = j.get<double>();
    if (std::isnan(d)) return std::nullopt;
    return d;
  }
  if (!j.is_number()) return std::nullopt;
  __int128 i = AsInt128(j);
  double d = static_cast<double>(i);
  if (!IntEqualsDouble(i, d)) return std::nullopt;
  return d;
}

std::vector<std::string> TextWords(std::string_view text) {
  std::vector<std::string> words;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && !IsWordByte(static_cast<unsigned char>(text[i]))) ++i;
    if (i == text.size()) break;
    std::string w;
    while (i < text.size() && IsWordByte(static_cast<unsigned char>(text[i]))) {
      char c = text[i++];
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      w.push_back(c);
    }
    words.push_back(std::move(w));
  }
  return words;
}

bool TextContainsAll(std::string_view text, const std::vector<std::string>& words) {
  if (words.empty()) return true;
  std::vector<std::string> have = TextWords(text);
  std::sort(have.begin(), have.end());
  for (const std::string& w : words) {
    if (!std::binary_search(have.begin(), have.end(), w)) return false;
  }
  return true;
}

bool TextContainsAny(std::string_view text, const std::vector<std::string>& words) {
  if (words.empty()) return false;
  std::vector<std::string> have = TextWords(text);
  std::sort(have.begin(), have.end());
  for (const std::string& w : words) {
    if (std::binary_search(have.begin(), have.end(), w)) return true;
  }
  return false;
}

bool TextContainsPhrase(std::string_view text, const std::vector<std::string>& words) {
  if (words.empty()) return true;
  std::vector<std::string> have = TextWords(text);
  if (have.size() < words.size()) return false;
  for (size_t start = 0; start + words.size() <= have.size(); ++start) {
    if (std::equal(words.begin(), words.end(), have.begin() + static_cast<ptrdiff_t>(start))) {
      return true;
    }
  }
  return false;
}

}  // namespace ragdb::internal
