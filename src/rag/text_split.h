// Splitting text into sentences, lines and words: the finer levels of the chunker's recursion.
// All functions return [begin, end) byte ranges relative to the input, trimmed of surrounding
// whitespace, in order, never empty.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include "rag/token_counter.h"

namespace ragdb::rag {

struct TextRange {
  size_t begin = 0;
  size_t end = 0;
};

// Sentence boundaries:
// - after 。！？ (and full-width ！？), with any closing quotes/brackets, no space needed;
// - after . ! ? (plus closing quotes/brackets) that are followed by whitespace, except when the
//   word before '.' is a known abbreviation ("e.g.", "Dr.", "Fig.") or a single letter (an
//   initial), or the next word starts with a lower-case letter. "3.14" never splits: no space.
std::vector<TextRange> SplitSentences(std::string_view text);

// Non-blank lines.
std::vector<TextRange> SplitLines(std::string_view text);

// Words (runs of non-space), every CJK character on its own; a word that alone is over
// `max_tokens` is cut at code point boundaries into pieces that fit.
std::vector<TextRange> SplitWords(std::string_view text, const TokenCounter& counter,
                                  size_t max_tokens);

}  // namespace ragdb::rag
