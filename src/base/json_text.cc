#include "base/json_text.h"

#include <charconv>
#include <clocale>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

#include "base/utf8.h"

namespace ragdb {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Recursive descent over the text; the first failure records its place and message and every
// caller returns false up to ReadDocument.
class Reader {
 public:
  Reader(std::string_view text, int max_depth)
      : text_(text), p_(text.data()), end_(text.data() + text.size()), max_depth_(max_depth) {}

  Result<Json> ReadDocument() {
    if (end_ - p_ >= 3 && std::memcmp(p_, "\xEF\xBB\xBF", 3) == 0) p_ += 3;  // UTF-8 BOM
    Json v;
    if (!ReadValue(&v, 0)) return Error();
    SkipSpace();
    if (p_ != end_) {
      Fail("unexpected text after the JSON value");
      return Error();
    }
    return v;
  }

 private:
  bool Fail(std::string what) {
    error_ = std::move(what);
    return false;
  }

  Status Error() const {
    size_t line = 1, column = 1;
    for (const char* c = text_.data(); c < p_; ++c) {
      if (*c == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
    }
    return Status::InvalidArgument("syntax error at line " + std::to_string(line) + ", column " +
                                   std::to_string(column) + ": " + error_);
  }

  void SkipSpace() {
    while (p_ < end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
  }

  bool ReadValue(Json* out, int depth) {
    SkipSpace();
    if (p_ == end_) return Fail("unexpected end of input; expected a value");
    switch (*p_) {
      case '{':
        return ReadObject(out, depth + 1);
      case '[':
        return ReadArray(out, depth + 1);
      case '"': {
        std::string s;
        if (!ReadString(&s)) return false;
        *out = std::move(s);
        return true;
      }
      case 't':
        return ReadLiteral("true", Json(true), out);
      case 'f':
        return ReadLiteral("false", Json(false), out);
      case 'n':
        return ReadLiteral("null", Json(nullptr), out);
      default:
        if (*p_ == '-' || IsDigit(*p_)) return ReadNumber(out);
        return Fail("expected a value (object, array, string, number, true, false or null)");
    }
  }

  bool ReadLiteral(std::string_view word, Json value, Json* out) {
    if (size_t(end_ - p_) < word.size() || std::string_view(p_, word.size()) != word) {
      return Fail("invalid literal; expected " + std::string(word));
    }
    p_ += word.size();
    *out = std::move(value);
    return true;
  }

  bool TooDeep(int depth) {
    if (depth <= max_depth_) return false;
    return !Fail("nested deeper than " + std::to_string(max_depth_) + " levels");
  }

  bool ReadObject(Json* out, int depth) {
    if (TooDeep(depth)) return false;
    ++p_;  // '{'
    *out = Json::object();
    auto& members = out->get_ref<Json::object_t&>();
    SkipSpace();
    if (p_ < end_ && *p_ == '}') {
      ++p_;
      return true;
    }
    for (;;) {
      SkipSpace();
      if (p_ == end_) return Fail("unexpected end of input in an object");
      if (*p_ != '"') return Fail("expected a string as the object key");
      std::string key;
      if (!ReadString(&key)) return false;
      SkipSpace();
      if (p_ == end_ || *p_ != ':') return Fail("expected ':' after the object key");
      ++p_;
      Json value;
      if (!ReadValue(&value, depth)) return false;
      members.insert_or_assign(std::move(key), std::move(value));  // the last duplicate wins
      SkipSpace();
      if (p_ == end_) return Fail("unexpected end of input in an object");
      if (*p_ == ',') {
        ++p_;
      } else if (*p_ == '}') {
        ++p_;
        return true;
      } else {
        return Fail("expected ',' or '}' in an object");
      }
    }
  }

  bool ReadArray(Json* out, int depth) {
    if (TooDeep(depth)) return false;
    ++p_;  // '['
    *out = Json::array();
    auto& items = out->get_ref<Json::array_t&>();
    SkipSpace();
    if (p_ < end_ && *p_ == ']') {
      ++p_;
      return true;
    }
    for (;;) {
      items.emplace_back();
      if (!ReadValue(&items.back(), depth)) return false;
      SkipSpace();
      if (p_ == end_) return Fail("unexpected end of input in an array");
      if (*p_ == ',') {
        ++p_;
      } else if (*p_ == ']') {
        ++p_;
        return true;
      } else {
        return Fail("expected ',' or ']' in an array");
      }
    }
  }

  bool ReadHex4(uint32_t* v) {
    if (end_ - p_ < 4) return Fail("unexpected end of input in a \\u escape");
    *v = 0;
    for (int i = 0; i < 4; ++i, ++p_) {
      char c = *p_;
      uint32_t d;
      if (IsDigit(c)) {
        d = uint32_t(c - '0');
      } else if (c >= 'a' && c <= 'f') {
        d = uint32_t(c - 'a' + 10);
      } else if (c >= 'A' && c <= 'F') {
        d = uint32_t(c - 'A' + 10);
      } else {
        return Fail("a \\u escape needs four hex digits");
      }
      *v = *v << 4 | d;
    }
    return true;
  }

  // Called at the opening quote; appends the decoded string to *out.
  bool ReadString(std::string* out) {
    ++p_;
    const char* run = p_;  // start of bytes not yet copied
    for (;;) {
      while (p_ < end_) {  // plain ASCII needs no work beyond finding its end
        auto c = static_cast<unsigned char>(*p_);
        if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80) break;
        ++p_;
      }
      out->append(run, p_);
      if (p_ == end_) return Fail("unterminated string");
      auto c = static_cast<unsigned char>(*p_);
      if (c == '"') {
        ++p_;
        return true;
      }
      if (c < 0x20) return Fail("control character in a string (it must be escaped)");
      if (c >= 0x80) {
        size_t i = size_t(p_ - text_.data());
        char32_t cp;
        if (!DecodeUtf8(text_, &i, &cp)) return Fail("invalid UTF-8 in a string");
        run = p_;
        p_ = text_.data() + i;
        continue;  // the sequence is copied with the run that follows
      }
      ++p_;  // backslash
      if (p_ == end_) return Fail("unterminated string");
      char e = *p_++;
      switch (e) {
        case '"':
        case '\\':
        case '/':
          out->push_back(e);
          break;
        case 'b':
          out->push_back('\b');
          break;
        case 'f':
          out->push_back('\f');
          break;
        case 'n':
          out->push_back('\n');
          break;
        case 'r':
          out->push_back('\r');
          break;
        case 't':
          out->push_back('\t');
          break;
        case 'u': {
          uint32_t cp;
          if (!ReadHex4(&cp)) return false;
          if (cp >= 0xDC00 && cp <= 0xDFFF)
            return Fail("a low surrogate \\u escape without a high one");
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            uint32_t low;
            if (end_ - p_ < 2 || p_[0] != '\\' || p_[1] != 'u') {
              return Fail("a high surrogate \\u escape must be followed by a low one");
            }
            p_ += 2;
            if (!ReadHex4(&low)) return false;
            if (low < 0xDC00 || low > 0xDFFF) {
              return Fail("a high surrogate \\u escape must be followed by a low one");
            }
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          }
          AppendUtf8(cp, out);
          break;
        }
        default:
          --p_;
          return Fail("invalid escape in a string");
      }
      run = p_;
    }
  }

  bool ReadNumber(Json* out) {
    const char* start = p_;
    const bool negative = *p_ == '-';
    if (negative) ++p_;
    if (p_ == end_ || !IsDigit(*p_)) return Fail("invalid number; expected a digit");
    if (*p_ == '0') {
      ++p_;  // no leading zeros: "01" ends after the 0 and fails as text after a value
    } else {
      while (p_ < end_ && IsDigit(*p_)) ++p_;
    }
    bool integer = true;
    if (p_ < end_ && *p_ == '.') {
      integer = false;
      ++p_;
      if (p_ == end_ || !IsDigit(*p_)) return Fail("invalid number; expected a digit after '.'");
      while (p_ < end_ && IsDigit(*p_)) ++p_;
    }
    if (p_ < end_ && (*p_ == 'e' || *p_ == 'E')) {
      integer = false;
      ++p_;
      if (p_ < end_ && (*p_ == '+' || *p_ == '-')) ++p_;
      if (p_ == end_ || !IsDigit(*p_)) return Fail("invalid number; expected an exponent digit");
      while (p_ < end_ && IsDigit(*p_)) ++p_;
    }
    if (integer) {  // out of 64-bit range falls through to a double, as in nlohmann
      if (negative) {
        int64_t v;
        if (std::from_chars(start, p_, v).ec == std::errc()) {
          *out = v;
          return true;
        }
      } else {
        uint64_t v;
        if (std::from_chars(start, p_, v).ec == std::errc()) {
          *out = v;
          return true;
        }
      }
    }
    double d;
    if (std::from_chars(start, p_, d).ec == std::errc()) {
      *out = d;
      return true;
    }
    // from_chars reports underflow (1e-400, which is 0 or a subnormal) and overflow alike; strtod
    // in the C locale tells them apart and rounds underflow as nlohmann does.
    static const locale_t c_locale = newlocale(LC_ALL_MASK, "C", locale_t{});
    std::string digits(start, p_);
    d = strtod_l(digits.c_str(), nullptr, c_locale);
    if (!std::isfinite(d)) {
      p_ = start;
      return Fail("number " + digits + " is out of range");
    }
    *out = d;
    return true;
  }

  std::string_view text_;
  const char* p_;
  const char* end_;
  int max_depth_;
  std::string error_;
};

}  // namespace

Result<Json> ReadJson(std::string_view text, int max_depth) {
  return Reader(text, max_depth).ReadDocument();
}

namespace {

template <class T>
void AppendShortest(T v, std::string* out) {
  if (!std::isfinite(v)) {
    *out += "null";
    return;
  }
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out->append(buf, r.ptr);
  // Integral values keep a ".0", as nlohmann and Qdrant write them, so readers see a float.
  if (std::string_view(buf, size_t(r.ptr - buf)).find_first_of(".e") == std::string_view::npos) {
    *out += ".0";
  }
}

}  // namespace

std::string WriteJson(const Json& j) {
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

void AppendJsonNumber(double v, std::string* out) { AppendShortest(v, out); }
void AppendJsonNumber(float v, std::string* out) { AppendShortest(v, out); }

Json FloatJson(float v) {
  if (!std::isfinite(v)) return nullptr;
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);  // shortest form that round-trips
  double d = 0;
  std::from_chars(buf, end, d);
  return d;
}

}  // namespace ragdb
