#include "rag/token_counter.h"

#include <cstdint>

#include "rag/text_clean.h"

namespace ragdb::rag {

bool IsCjk(uint32_t cp) {
  return (cp >= 0x2E80 && cp <= 0x9FFF) ||  // radicals, CJK punctuation, kana, Han
         (cp >= 0xAC00 && cp <= 0xD7AF) ||  // Hangul syllables
         (cp >= 0xF900 && cp <= 0xFAFF) ||  // compatibility ideographs
         (cp >= 0xFF00 && cp <= 0xFFEF) ||  // full-width forms
         (cp >= 0x20000 && cp <= 0x3FFFF);  // Han extensions
}

size_t ApproxTokenCounter::Count(std::string_view text) const {
  size_t tokens = 0;
  size_t word_bytes = 0;
  auto end_word = [&] {
    if (word_bytes > 0) tokens += 1 + (word_bytes > 16 ? (word_bytes - 1) / 16 : 0);
    word_bytes = 0;
  };
  size_t i = 0;
  while (i < text.size()) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      if (c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
        end_word();
      } else {
        ++word_bytes;
      }
      ++i;
      continue;
    }
    size_t at = i;
    uint32_t cp = DecodeUtf8(text, &i);
    if (cp == 0xA0 || cp == 0x3000 || (cp >= 0x2000 && cp <= 0x200A)) {
      end_word();
    } else if (IsCjk(cp)) {
      end_word();
      ++tokens;
    } else {
      word_bytes += i - at;
    }
  }
  end_word();
  return tokens;
}

const ApproxTokenCounter& ApproxTokenCounter::Default() {
  static const ApproxTokenCounter counter;
  return counter;
}

}  // namespace ragdb::rag
