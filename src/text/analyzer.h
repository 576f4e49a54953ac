// Analyzers turn UTF-8 text into tokens (term bytes + position) for the inverted index and for
// queries. The same analyzer configuration must be used for a field's documents and its queries.
//
//   standard   NFKC + full case folding (ICU NFKC_Casefold), ICU word-break segmentation (UAX #29
//              plus ICU's dictionaries for Chinese, Japanese, Thai...), keeps only word-like
//              segments (letters, numbers, kana, ideographs; emoji and punctuation are dropped),
//              strips English possessive "'s", optional stop words, optional Snowball stemming of
//              ASCII-letter words only (CJK and other scripts are never stemmed).
//   whitespace splits on Unicode white space, no other change.
//   keyword    the whole text as one token (ids, tags, exact-match fields).
//   ngram      character n-grams (min_gram..max_gram code points) of the NFKC-casefolded text,
//              white space excluded; a language-agnostic fallback for CJK recall.
//
// Every analyzer rejects invalid UTF-8 with InvalidArgument. Positions increase by one per word
// (a removed stop word still uses a position, so phrase offsets stay right).
//
// Thread safety: an Analyzer holds ICU and Snowball state and is NOT thread-safe; make one per
// thread (MakeAnalyzer is cheap: microseconds).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "ragdb/status.h"

namespace ragdb::text {

struct Token {
  std::string term;   // normalized term bytes (UTF-8)
  uint32_t position;  // word position in the text, from 0
  friend bool operator==(const Token&, const Token&) = default;
};

struct AnalyzerConfig {
  std::string name = "standard";  // standard | whitespace | keyword | ngram
  // standard: Snowball algorithm name ("english" = Porter2, "porter" = classic Porter, as in
  // Lucene's PorterStemFilter), or "" / "none" for no stemming.
  std::string stemmer = "english";
  // standard: "none" or "lucene" (Lucene's 33-word English list, what Anserini uses).
  std::string stopwords = "none";
  // ngram: gram lengths in code points.
  int min_gram = 2;
  int max_gram = 3;
  // Tokens longer than this (bytes) are dropped: they are almost always junk (base64, URLs) and
  // would bloat the dictionary.
  int max_token_bytes = 255;
};

class Analyzer {
 public:
  virtual ~Analyzer() = default;
  // Tokens of `text` in position order. InvalidArgument on invalid UTF-8.
  virtual Result<std::vector<Token>> Analyze(std::string_view text) = 0;
  virtual const AnalyzerConfig& config() const = 0;
};

// InvalidArgument for an unknown name, stemmer, stop list or bad n-gram bounds.
Result<std::unique_ptr<Analyzer>> MakeAnalyzer(const AnalyzerConfig& config);

// The configuration that approximates Anserini's BEIR "flat" BM25 baseline (Lucene
// StandardTokenizer + possessive filter + lowercase + 33 stop words + Porter stemmer).
AnalyzerConfig AnseriniLikeConfig();

}  // namespace ragdb::text
