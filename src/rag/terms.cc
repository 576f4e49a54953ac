#include "rag/terms.h"

#include <cstdint>

#include "rag/token_counter.h"

namespace ragdb::rag {
namespace {

// Decodes one UTF-8 code point at text[i]; advances i. Invalid bytes decode as U+FFFD.
uint32_t NextCodePoint(std::string_view text, size_t& i) {
  unsigned char c = static_cast<unsigned char>(text[i]);
  int len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
  if (len == 0 || i + len > text.size()) {
    ++i;
    return 0xFFFD;
  }
  uint32_t cp = len == 1 ? c : len == 2 ? (c & 0x1F) : len == 3 ? (c & 0x0F) : (c & 0x07);
  for (int k = 1; k < len; ++k) cp = (cp << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3F);
  i += len;
  return cp;
}

bool IsStopword(const std::string& w) {
  static const std::unordered_set<std::string> kStop = {
      "a",    "an",   "and",    "are",     "as",       "at",    "be",    "but",    "by",    "for",
      "if",   "in",   "into",   "is",      "it",       "no",    "not",   "of",     "on",    "or",
      "such", "that", "the",    "their",   "then",     "there", "these", "they",   "this",  "to",
      "was",  "will", "with",   "what",    "which",    "who",   "whom",  "whose",  "when",  "where",
      "why",  "how",  "do",     "does",    "did",      "can",   "could", "should", "would", "i",
      "you",  "we",   "my",     "your",    "me",       "about", "tell",  "from",   "have",  "has",
      "had",  "its",  "been",   "being",   "were",     "am",    "any",   "some",   "there", "here",
      "s",    "t",    "please", "explain", "describe", "give",  "get",   "much",   "many",  "much"};
  return kStop.count(w) > 0;
}

}  // namespace

std::vector<std::string> ExtractTerms(std::string_view text, bool drop_stopwords) {
  std::vector<std::string> out;
  std::string word;
  std::string prev_cjk;  // the previous CJK character, for bigrams
  bool cjk_run_single = false;
  auto flush_word = [&] {
    if (!word.empty() && !(drop_stopwords && IsStopword(word))) out.push_back(word);
    word.clear();
  };
  auto end_cjk_run = [&] {
    if (cjk_run_single) out.push_back(prev_cjk);  // a run of one character
    prev_cjk.clear();
    cjk_run_single = false;
  };
  for (size_t i = 0; i < text.size();) {
    size_t begin = i;
    uint32_t cp = NextCodePoint(text, i);
    std::string_view bytes = text.substr(begin, i - begin);
    if (IsCjk(cp)) {
      flush_word();
      // CJK punctuation and full-width forms count as CJK to the token counter; only letters
      // (Han, kana, Hangul) make terms.
      bool letter = (cp >= 0x3040 && cp <= 0x30FF) || (cp >= 0x3400 && cp <= 0x9FFF) ||
                    (cp >= 0xAC00 && cp <= 0xD7AF) || (cp >= 0x20000 && cp <= 0x2FFFF) ||
                    (cp >= 0xF900 && cp <= 0xFAFF);
      if (!letter) {
        end_cjk_run();
        continue;
      }
      if (prev_cjk.empty()) {
        cjk_run_single = true;
      } else {
        out.push_back(prev_cjk + std::string(bytes));
        cjk_run_single = false;
      }
      prev_cjk = std::string(bytes);
      continue;
    }
    end_cjk_run();
    bool alnum = (cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') ||
                 (cp >= 0xC0 && cp != 0xFFFD && !(cp >= 0x2000 && cp <= 0x2BFF) &&
                  !(cp >= 0x3000 && cp <= 0x303F));
    if (alnum) {
      if (cp < 0x80) {
        word.push_back(static_cast<char>(cp >= 'A' && cp <= 'Z' ? cp + 32 : cp));
      } else {
        word.append(bytes);
      }
    } else {
      flush_word();
    }
  }
  flush_word();
  end_cjk_run();
  return out;
}

std::unordered_set<std::string> TermSet(std::string_view text, bool drop_stopwords) {
  auto terms = ExtractTerms(text, drop_stopwords);
  return {terms.begin(), terms.end()};
}

double Jaccard(const std::unordered_set<std::string>& a, const std::unordered_set<std::string>& b) {
  if (a.empty() && b.empty()) return 0;
  const auto& small = a.size() < b.size() ? a : b;
  const auto& large = a.size() < b.size() ? b : a;
  size_t inter = 0;
  for (const auto& t : small) inter += large.count(t);
  return static_cast<double>(inter) / static_cast<double>(a.size() + b.size() - inter);
}

}  // namespace ragdb::rag
