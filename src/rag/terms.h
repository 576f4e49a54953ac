// Light-weight term extraction for the answer side of the pipeline: near-duplicate detection,
// the "is anything relevant?" gate and sentence scoring of extractive answers. (Ranking itself
// uses the collection's BM25 analyzer; this only needs to agree on what a word is.)
#pragma once

#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace ragdb::rag {

// Lower-cased ASCII words and runs of other letters/digits; CJK text becomes overlapping
// character bigrams (a lone CJK character stays a unigram). With drop_stopwords, common English
// function words and question words ("what", "how") are left out.
std::vector<std::string> ExtractTerms(std::string_view text, bool drop_stopwords);

std::unordered_set<std::string> TermSet(std::string_view text, bool drop_stopwords);

// |a ∩ b| / |a ∪ b|; 0 when both are empty.
double Jaccard(const std::unordered_set<std::string>& a, const std::unordered_set<std::string>& b);

}  // namespace ragdb::rag
