// Stop-word lists. "lucene" is the 33-word English list of Lucene's EnglishAnalyzer (the list
// Anserini's DefaultEnglishAnalyzer uses for its BEIR BM25 baselines).
#pragma once

#include <string_view>

namespace ragdb::text {

// True when `word` (already lowercased) is in Lucene's English stop set.
bool IsLuceneEnglishStopWord(std::string_view word);

}  // namespace ragdb::text
