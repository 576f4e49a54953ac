// Retrieval evaluation of a knowledge base: hit rate@k and MRR against expected sources.
#include <chrono>
#include <fstream>

#include "ragdb/rag.h"

namespace ragdb::rag {
namespace {

bool SourceMatches(const std::string& source, const std::string& expected) {
  if (expected.empty() || source.size() < expected.size()) return false;
  if (source.compare(source.size() - expected.size(), expected.size(), expected) != 0) return false;
  // Whole path components only: "guide.md" must not match "myguide.md".
  return source.size() == expected.size() || expected[0] == '/' ||
         source[source.size() - expected.size() - 1] == '/';
}

}  // namespace

Json EvalReport::ToJson(bool with_details) const {
  Json j = {{"questions", questions},
            {"k", k},
            {"hit_rate", hit_rate},
            {"mrr", mrr},
            {"mean_latency_ms", mean_latency_ms}};
  if (with_details) j["per_question"] = per_question;
  return j;
}

Result<EvalReport> EvaluateKb(const KnowledgeBase& kb, const std::string& path,
                              const RetrieveOptions& options) {
  std::ifstream in(path);
  if (!in) return Status::NotFound("cannot open " + path);
  EvalReport report;
  report.k = options.k;
  double hits = 0, rr = 0, ms = 0;
  std::string line;
  for (size_t n = 1; std::getline(in, line); ++n) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    Json j = Json::parse(line, nullptr, false);
    const std::string where = path + ":" + std::to_string(n);
    if (j.is_discarded() || !j.is_object() || !j.contains("question") ||
        !j["question"].is_string() || !j.contains("expected_sources") ||
        !j["expected_sources"].is_array()) {
      return Status::InvalidArgument(
          where + ": expected {\"question\": \"..\", \"expected_sources\": [\"..\"]}");
    }
    std::vector<std::string> expected;
    for (const auto& e : j["expected_sources"]) {
      if (!e.is_string())
        return Status::InvalidArgument(where + ": expected_sources must be strings");
      expected.push_back(e.get<std::string>());
    }
    auto t = std::chrono::steady_clock::now();
    RAGDB_ASSIGN_OR_RETURN(auto items, kb.Retrieve(j["question"].get<std::string>(), options));
    ms += std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count();
    size_t rank = 0;
    Json got = Json::array();
    for (size_t i = 0; i < items.size(); ++i) {
      got.push_back(items[i].source);
      for (const auto& e : expected) {
        if (rank == 0 && SourceMatches(items[i].source, e)) rank = i + 1;
      }
    }
    if (rank > 0) {
      hits += 1;
      rr += 1.0 / static_cast<double>(rank);
    }
    report.per_question.push_back(
        {{"question", j["question"]}, {"rank", rank}, {"retrieved", got}});
    ++report.questions;
  }
  if (report.questions == 0) return Status::InvalidArgument(path + ": no questions");
  report.hit_rate = hits / static_cast<double>(report.questions);
  report.mrr = rr / static_cast<double>(report.questions);
  report.mean_latency_ms = ms / static_cast<double>(report.questions);
  return report;
}

}  // namespace ragdb::rag
