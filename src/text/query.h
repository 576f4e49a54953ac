// A parsed full-text query: scored terms plus required phrases, analyzed with the field's
// analyzer. Syntax: plain words, and "double-quoted phrases" (consecutive positions required).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "ragdb/status.h"
#include "text/analyzer.h"

namespace ragdb::text {

enum class MatchMode {
  kAny,  // OR: a row matches if it has at least one term (phrases are still required)
  kAll,  // AND: a row must have every term (and every phrase)
};

struct QueryTerm {
  std::string term;
  float weight = 1;  // how often the term occurred in the query (Anserini's bag-of-words boost)
};

struct Phrase {
  std::vector<std::string> terms;
  std::vector<uint32_t> offsets;  // position of each term relative to the first (0, 1, 2...)
};

struct TextQuery {
  std::vector<QueryTerm> terms;  // distinct terms, first-occurrence order
  std::vector<Phrase> phrases;   // always required
  MatchMode mode = MatchMode::kAny;

  // Every distinct term (terms and phrase terms): what collection statistics must cover.
  std::vector<std::string> AllTerms() const;
  bool empty() const { return terms.empty() && phrases.empty(); }
};

// Analyzes `text`; quoted parts become phrases (an unbalanced quote is treated as plain text).
// InvalidArgument on invalid UTF-8.
Result<TextQuery> ParseTextQuery(Analyzer& analyzer, std::string_view text,
                                 MatchMode mode = MatchMode::kAny);

}  // namespace ragdb::text
