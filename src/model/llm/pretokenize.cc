#include "model/llm/pretokenize.h"

#include <unicode/uchar.h>

#include "base/utf8.h"

namespace ragdb::model::llm {
namespace {

enum Class : uint8_t { kOther = 0, kLetter = 1, kNumber = 2, kSpace = 4 };

struct Char {
  size_t start, end;  // bytes
  char32_t cp;
  uint8_t cls;
};

uint8_t Classify(char32_t cp) {
  if (cp < 0x80) {
    if ((cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z')) return kLetter;
    if (cp >= '0' && cp <= '9') return kNumber;
    if (cp == ' ' || (cp >= 0x09 && cp <= 0x0D)) return kSpace;
    return kOther;
  }
  if (u_isUWhiteSpace(static_cast<UChar32>(cp))) return kSpace;
  const int8_t t = u_charType(static_cast<UChar32>(cp));
  switch (t) {
    case U_UPPERCASE_LETTER:
    case U_LOWERCASE_LETTER:
    case U_TITLECASE_LETTER:
    case U_MODIFIER_LETTER:
    case U_OTHER_LETTER:
      return kLetter;
    case U_DECIMAL_DIGIT_NUMBER:
    case U_LETTER_NUMBER:
    case U_OTHER_NUMBER:
      return kNumber;
    default:
      return kOther;
  }
}

class Matcher {
 public:
  Matcher(std::string_view text, PreTokenizer kind) : kind_(kind) {
    for (size_t i = 0; i < text.size();) {
      size_t j = i;
      char32_t cp;
      if (!DecodeUtf8(text, &j, &cp)) {
        c_.push_back({i, i + 1, 0xFFFFFFFF, kOther});
        i = i + 1;
        continue;
      }
      c_.push_back({i, j, cp, Classify(cp)});
      i = j;
    }
  }
  size_t size() const { return c_.size(); }
  size_t ByteStart(size_t i) const { return i < c_.size() ? c_[i].start : c_.back().end; }

  // Characters matched at i (>= 1).
  size_t Match(size_t i) const {
    if (size_t n = Contraction(i)) return n;
    if (kind_ == PreTokenizer::kGpt2) {
      for (uint8_t cls : {kLetter, kNumber}) {
        size_t s = i + (Is(i, ' ') && Cls(i + 1) == cls ? 1 : 0);
        if (Cls(s) == cls) return Run(s, cls) - i;
      }
      if (size_t n = Punct(i, false)) return n;
    } else {
      // [^\r\n\p{L}\p{N}]?\p{L}+
      if (Cls(i) == kLetter) return Run(i, kLetter) - i;
      if (i + 1 < size() && !IsNewline(i) && Cls(i) != kLetter && Cls(i) != kNumber &&
          Cls(i + 1) == kLetter) {
        return Run(i + 1, kLetter) - i;
      }
      if (Cls(i) == kNumber) {
        size_t max = kind_ == PreTokenizer::kLlama3 ? 3 : 1;
        size_t e = i;
        while (e < size() && e - i < max && Cls(e) == kNumber) ++e;
        return e - i;
      }
      if (size_t n = Punct(i, true)) return n;
      // \s*[\r\n]+
      if (Cls(i) == kSpace) {
        size_t e = Run(i, kSpace);
        for (size_t j = e; j > i; --j) {
          if (IsNewline(j - 1)) return j - i;
        }
      }
    }
    // \s+(?!\S) then \s+
    if (Cls(i) == kSpace) {
      size_t e = Run(i, kSpace);
      if (e == size() || e - i == 1) return e - i;
      return e - 1 - i;
    }
    return 1;  // unreachable for valid classes; a guard against a zero-length match
  }

 private:
  uint8_t Cls(size_t i) const { return i < c_.size() ? c_[i].cls : 0xFF; }
  bool Is(size_t i, char32_t cp) const { return i < c_.size() && c_[i].cp == cp; }
  bool IsNewline(size_t i) const { return Is(i, '\r') || Is(i, '\n'); }
  size_t Run(size_t i, uint8_t cls) const {
    while (i < c_.size() && c_[i].cls == cls) ++i;
    return i;
  }
  // 's 't 're 've 'm 'll 'd (any case for Llama 3 / Qwen2).
  size_t Contraction(size_t i) const {
    if (!Is(i, '\'') || i + 1 >= size()) return 0;
    const bool fold = kind_ != PreTokenizer::kGpt2;
    auto lower = [&](size_t k) -> char32_t {
      if (k >= size()) return 0;
      char32_t cp = c_[k].cp;
      return fold && cp >= 'A' && cp <= 'Z' ? cp + 32 : cp;
    };
    const char32_t a = lower(i + 1), b = lower(i + 2);
    if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) return 3;
    if (a == 's' || a == 't' || a == 'm' || a == 'd') return 2;
    return 0;
  }
  // ' ?[^\s\p{L}\p{N}]+' (then '[\r\n]*' when `newlines`).
  size_t Punct(size_t i, bool newlines) const {
    size_t s = i + (Is(i, ' ') && Cls(i + 1) == kOther ? 1 : 0);
    if (Cls(s) != kOther) return 0;
    size_t e = Run(s, kOther);
    if (newlines) {
      while (IsNewline(e)) ++e;
    }
    return e - i;
  }

  PreTokenizer kind_;
  std::vector<Char> c_;
};

}  // namespace

bool PreTokenizerByName(const std::string& name, PreTokenizer* out) {
  if (name == "default" || name == "gpt-2" || name == "gpt2" || name.empty()) {
    *out = PreTokenizer::kGpt2;
  } else if (name == "llama3" || name == "llama-bpe" || name == "llama-v3" || name == "smaug-bpe") {
    *out = PreTokenizer::kLlama3;
  } else if (name == "qwen2" || name == "qwen3") {
    *out = PreTokenizer::kQwen2;
  } else {
    return false;
  }
  return true;
}

std::vector<std::string_view> PreTokenize(std::string_view text, PreTokenizer kind) {
  std::vector<std::string_view> out;
  Matcher m(text, kind);
  for (size_t i = 0; i < m.size();) {
    size_t n = m.Match(i);
    out.push_back(text.substr(m.ByteStart(i), m.ByteStart(i + n) - m.ByteStart(i)));
    i += n;
  }
  return out;
}

}  // namespace ragdb::model::llm
