#include "query/filter_lexer.h"

#include <charconv>
#include <cmath>
#include <cstdint>

#include "base/utf8.h"

namespace ragdb::internal {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsIdentStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
         static_cast<unsigned char>(c) >= 0x80;
}
bool IsIdentByte(char c) { return IsIdentStart(c) || IsDigit(c) || c == '-'; }
bool IsOperatorByte(char c) {
  return c == '=' || c == '!' || c == '<' || c == '>' || c == '&' || c == '|';
}

Status ErrorAt(size_t column, const std::string& msg) {
  return Status::InvalidArgument("column " + std::to_string(column) + ": " + msg);
}

bool ReadHex4(std::string_view in, size_t i, uint32_t* cp) {
  if (i + 4 > in.size()) return false;
  uint32_t v = 0;
  for (size_t k = i; k < i + 4; ++k) {
    char c = in[k];
    uint32_t d;
    if (IsDigit(c)) {
      d = static_cast<uint32_t>(c - '0');
    } else if (c >= 'a' && c <= 'f') {
      d = static_cast<uint32_t>(c - 'a' + 10);
    } else if (c >= 'A' && c <= 'F') {
      d = static_cast<uint32_t>(c - 'A' + 10);
    } else {
      return false;
    }
    v = v * 16 + d;
  }
  *cp = v;
  return true;
}

// Reads a quoted string starting at in[*pos] (the quote). Escapes: \" \' \\ \/ \n \t \r \b \f
// \uXXXX (with surrogate pairs).
Status ReadString(std::string_view in, size_t* pos, std::string* out) {
  size_t start = *pos;
  char quote = in[start];
  size_t i = start + 1;
  while (i < in.size()) {
    char c = in[i];
    if (c == quote) {
      *pos = i + 1;
      return Status::Ok();
    }
    if (c != '\\') {
      out->push_back(c);
      ++i;
      continue;
    }
    if (i + 1 >= in.size()) break;
    char e = in[i + 1];
    switch (e) {
      case '"':
      case '\'':
      case '\\':
      case '/':
        out->push_back(e);
        i += 2;
        continue;
      case 'n':
        out->push_back('\n');
        i += 2;
        continue;
      case 't':
        out->push_back('\t');
        i += 2;
        continue;
      case 'r':
        out->push_back('\r');
        i += 2;
        continue;
      case 'b':
        out->push_back('\b');
        i += 2;
        continue;
      case 'f':
        out->push_back('\f');
        i += 2;
        continue;
      case 'u': {
        uint32_t cp;
        if (!ReadHex4(in, i + 2, &cp)) return ErrorAt(i + 1, "bad \\u escape in string");
        size_t next = i + 6;
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          uint32_t lo;
          if (next + 1 < in.size() && in[next] == '\\' && in[next + 1] == 'u' &&
              ReadHex4(in, next + 2, &lo) && lo >= 0xDC00 && lo <= 0xDFFF) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            next += 6;
          } else {
            return ErrorAt(i + 1, "unpaired surrogate in \\u escape");
          }
        } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
          return ErrorAt(i + 1, "unpaired surrogate in \\u escape");
        }
        AppendUtf8(cp, out);
        i = next;
        continue;
      }
      default:
        return ErrorAt(i + 1, "unknown escape '\\" + std::string(1, e) + "' in string");
    }
  }
  return ErrorAt(start + 1, "unterminated string");
}

// Reads a number at in[*pos] ('-' or a digit). The whole run of number-like bytes must form
// one number, so "1.2.3", "1e", "12abc" and "1." are errors rather than two tokens.
Status ReadNumber(std::string_view in, size_t* pos, Json* out) {
  size_t start = *pos;
  size_t end = start + 1;
  while (end < in.size()) {
    char c = in[end];
    if (IsIdentByte(c) || c == '.' ||
        ((c == '+' || c == '-') && (in[end - 1] == 'e' || in[end - 1] == 'E'))) {
      ++end;
    } else {
      break;
    }
  }
  std::string_view text = in.substr(start, end - start);
  auto bad = [&](const char* why) {
    return ErrorAt(start + 1, "bad number '" + std::string(text) + "'" + why);
  };
  // Validate the shape: -?digits(.digits)?([eE][+-]?digits)?
  size_t i = 0;
  if (text[i] == '-') ++i;
  size_t d0 = i;
  while (i < text.size() && IsDigit(text[i])) ++i;
  if (i == d0) return bad("");
  bool is_float = false;
  if (i < text.size() && text[i] == '.') {
    is_float = true;
    size_t f0 = ++i;
    while (i < text.size() && IsDigit(text[i])) ++i;
    if (i == f0) return bad("");
  }
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    is_float = true;
    ++i;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
    size_t e0 = i;
    while (i < text.size() && IsDigit(text[i])) ++i;
    if (i == e0) return bad("");
  }
  if (i != text.size()) return bad("");
  const char* b = text.data();
  const char* e = text.data() + text.size();
  if (!is_float) {
    int64_t v;
    auto [p, ec] = std::from_chars(b, e, v);
    if (ec == std::errc() && p == e) {
      // Non-negative integers are unsigned, as nlohmann::json parses them (ids need that).
      *out = v >= 0 ? Json(static_cast<uint64_t>(v)) : Json(v);
    } else {
      uint64_t u;
      auto [p2, ec2] = std::from_chars(b, e, u);
      if (ec2 != std::errc() || p2 != e) return bad(": out of range");
      *out = Json(u);
    }
  } else {
    double d;
    auto [p, ec] = std::from_chars(b, e, d);
    if (ec != std::errc() || p != e || !std::isfinite(d)) return bad(": out of range");
    *out = Json(d);
  }
  *pos = end;
  return Status::Ok();
}

}  // namespace

bool IsKeyword(const Token& t, std::string_view kw) {
  if (t.kind != TokenKind::kIdent || t.text.size() != kw.size()) return false;
  for (size_t i = 0; i < kw.size(); ++i) {
    char c = t.text[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != kw[i]) return false;
  }
  return true;
}

Result<std::vector<Token>> Tokenize(std::string_view in) {
  std::vector<Token> out;
  size_t i = 0;
  while (true) {
    while (i < in.size() && (in[i] == ' ' || in[i] == '\t' || in[i] == '\n' || in[i] == '\r')) {
      ++i;
    }
    Token t;
    t.column = i + 1;
    if (i == in.size()) {
      out.push_back(std::move(t));
      return out;
    }
    size_t start = i;
    char c = in[i];
    if (c == '"' || c == '\'') {
      t.kind = TokenKind::kString;
      RAGDB_RETURN_IF_ERROR(ReadString(in, &i, &t.str));
    } else if (c == '`') {
      size_t close = in.find('`', i + 1);
      if (close == std::string_view::npos) return ErrorAt(start + 1, "unterminated `name`");
      t.kind = TokenKind::kBacktick;
      t.str = std::string(in.substr(i + 1, close - i - 1));
      i = close + 1;
    } else if (IsDigit(c) || (c == '-' && i + 1 < in.size() && IsDigit(in[i + 1]))) {
      t.kind = TokenKind::kNumber;
      RAGDB_RETURN_IF_ERROR(ReadNumber(in, &i, &t.number));
    } else if (IsIdentStart(c)) {
      t.kind = TokenKind::kIdent;
      while (i < in.size() && IsIdentByte(in[i])) ++i;
    } else if (IsOperatorByte(c)) {
      while (i < in.size() && IsOperatorByte(in[i])) ++i;
      std::string_view op = in.substr(start, i - start);
      if (op == "==") {
        t.kind = TokenKind::kEq;
      } else if (op == "!=") {
        t.kind = TokenKind::kNe;
      } else if (op == "<") {
        t.kind = TokenKind::kLt;
      } else if (op == "<=") {
        t.kind = TokenKind::kLe;
      } else if (op == ">") {
        t.kind = TokenKind::kGt;
      } else if (op == ">=") {
        t.kind = TokenKind::kGe;
      } else {
        std::string hint = op == "="    ? " (use '==')"
                           : op == "&&" ? " (use 'and')"
                           : op == "||" ? " (use 'or')"
                           : op == "!"  ? " (use 'not')"
                           : op == "<>" ? " (use '!=')"
                                        : "";
        return ErrorAt(start + 1, "unknown operator '" + std::string(op) + "'" + hint);
      }
    } else {
      switch (c) {
        case '(':
          t.kind = TokenKind::kLParen;
          break;
        case ')':
          t.kind = TokenKind::kRParen;
          break;
        case '[':
          t.kind = TokenKind::kLBracket;
          break;
        case ']':
          t.kind = TokenKind::kRBracket;
          break;
        case ',':
          t.kind = TokenKind::kComma;
          break;
        case '.':
          t.kind = TokenKind::kDot;
          break;
        default:
          if (static_cast<unsigned char>(c) < 0x20) {
            return ErrorAt(start + 1, "unexpected control character");
          }
          return ErrorAt(start + 1, "unexpected character '" + std::string(1, c) + "'");
      }
      ++i;
    }
    t.text = in.substr(start, i - start);
    out.push_back(std::move(t));
  }
}

}  // namespace ragdb::internal
