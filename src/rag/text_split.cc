#include "rag/text_split.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <string>

#include "rag/text_clean.h"

namespace ragdb::rag {

namespace {

bool IsSpaceByte(char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f'; }

bool IsCloser(uint32_t cp) {
  return cp == '"' || cp == '\'' || cp == ')' || cp == ']' || cp == 0x201D || cp == 0x2019 ||
         cp == 0x300D || cp == 0x300F || cp == 0xFF09 || cp == 0x3011 || cp == 0x300B;
}

bool IsCjkTerminator(uint32_t cp) { return cp == 0x3002 || cp == 0xFF01 || cp == 0xFF1F; }

bool IsAbbreviation(std::string word) {
  static constexpr std::array<std::string_view, 40> kAbbrev = {
      "e.g", "i.e", "mr",   "mrs",  "ms",   "dr",  "prof", "sr",  "jr",   "st",
      "vs",  "fig", "figs", "no",   "nos",  "vol", "pp",   "cf",  "al",   "approx",
      "inc", "ltd", "co",   "corp", "dept", "eq",  "eqs",  "ref", "refs", "sec",
      "ch",  "u.s", "u.k",  "resp", "ca",   "op",  "cit",  "viz", "ed",   "eds"};
  std::transform(word.begin(), word.end(), word.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  while (!word.empty() && (word.front() == '(' || word.front() == '"' || word.front() == '[')) {
    word.erase(word.begin());
  }
  if (word.size() == 1 && std::isalpha(static_cast<unsigned char>(word[0]))) return true;
  return std::find(kAbbrev.begin(), kAbbrev.end(), word) != kAbbrev.end();
}

void PushTrimmed(std::string_view text, size_t b, size_t e, std::vector<TextRange>* out) {
  while (b < e && IsSpaceByte(text[b])) ++b;
  while (e > b && IsSpaceByte(text[e - 1])) --e;
  if (b < e) out->push_back({b, e});
}

}  // namespace

std::vector<TextRange> SplitSentences(std::string_view text) {
  std::vector<TextRange> out;
  size_t start = 0;
  size_t i = 0;
  while (i < text.size()) {
    size_t at = i;
    uint32_t cp = DecodeUtf8(text, &i);
    bool cjk = IsCjkTerminator(cp);
    if (!cjk && cp != '.' && cp != '!' && cp != '?') continue;
    // Absorb runs like "?!", "..." and closing quotes/brackets.
    size_t end = i;
    while (end < text.size()) {
      size_t next = end;
      uint32_t c2 = DecodeUtf8(text, &next);
      if (IsCloser(c2) || c2 == '.' || c2 == '!' || c2 == '?' || IsCjkTerminator(c2)) {
        end = next;
      } else {
        break;
      }
    }
    if (!cjk) {
      if (end < text.size() && !IsSpaceByte(text[end])) {
        i = end;
        continue;
      }
      size_t next_word = end;
      while (next_word < text.size() && IsSpaceByte(text[next_word])) ++next_word;
      if (next_word < text.size() && std::islower(static_cast<unsigned char>(text[next_word]))) {
        i = end;
        continue;
      }
      if (cp == '.' && end == i) {
        size_t wb = at;
        while (wb > start && !IsSpaceByte(text[wb - 1])) --wb;
        if (IsAbbreviation(std::string(text.substr(wb, at - wb)))) {
          i = end;
          continue;
        }
      }
    }
    PushTrimmed(text, start, end, &out);
    start = end;
    i = end;
  }
  PushTrimmed(text, start, text.size(), &out);
  return out;
}

std::vector<TextRange> SplitLines(std::string_view text) {
  std::vector<TextRange> out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    PushTrimmed(text, pos, nl, &out);
    pos = nl + 1;
  }
  return out;
}

std::vector<TextRange> SplitWords(std::string_view text, const TokenCounter& counter,
                                  size_t max_tokens) {
  std::vector<TextRange> words;
  size_t word_start = std::string_view::npos;
  size_t i = 0;
  auto end_word = [&](size_t at) {
    if (word_start != std::string_view::npos) words.push_back({word_start, at});
    word_start = std::string_view::npos;
  };
  while (i < text.size()) {
    size_t at = i;
    uint32_t cp = DecodeUtf8(text, &i);
    if (cp < 0x80 && IsSpaceByte(static_cast<char>(cp))) {
      end_word(at);
    } else if (IsCjk(cp)) {
      end_word(at);
      words.push_back({at, i});
    } else if (word_start == std::string_view::npos) {
      word_start = at;
    }
  }
  end_word(text.size());

  std::vector<TextRange> out;
  for (const TextRange& w : words) {
    if (counter.Count(text.substr(w.begin, w.end - w.begin)) <= max_tokens) {
      out.push_back(w);
      continue;
    }
    // Cut an oversized word into the longest code-point-aligned pieces that fit.
    size_t b = w.begin;
    while (b < w.end) {
      size_t e = std::min(w.end, b + std::max<size_t>(16 * max_tokens, 4));
      for (;;) {
        while (e < w.end && (static_cast<unsigned char>(text[e]) & 0xC0) == 0x80) ++e;
        if (counter.Count(text.substr(b, e - b)) <= max_tokens) break;
        size_t half = b + (e - b) / 2;
        if (half <= b) break;
        e = half;
        while (e > b + 1 && (static_cast<unsigned char>(text[e]) & 0xC0) == 0x80) --e;
      }
      if (e <= b) e = std::min(w.end, b + 1);
      out.push_back({b, e});
      b = e;
    }
  }
  return out;
}

}  // namespace ragdb::rag
