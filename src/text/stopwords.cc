#include "text/stopwords.h"

#include <algorithm>
#include <array>

namespace ragdb::text {
namespace {

// Sorted, so lookup is a binary search over 33 short strings.
constexpr std::array<std::string_view, 33> kLuceneEnglish = {
    "a",   "an",    "and",  "are",   "as",    "at",   "be",   "but", "by",  "for",  "if",
    "in",  "into",  "is",   "it",    "no",    "not",  "of",   "on",  "or",  "such", "that",
    "the", "their", "then", "there", "these", "they", "this", "to",  "was", "will", "with"};

}  // namespace

bool IsLuceneEnglishStopWord(std::string_view word) {
  return std::binary_search(kLuceneEnglish.begin(), kLuceneEnglish.end(), word);
}

}  // namespace ragdb::text
