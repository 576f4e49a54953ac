// JSON parsing of request bodies: ragdb's ReadJson beside nlohmann::json::parse (the parser it
// replaced in the server) on the same texts, in the same process.
//
//   json_bench [--benchmark_filter=...] [--benchmark_min_time=...]
//
// Texts: a 128-d search body (what the server's search benchmark sends), an upsert of 100
// points with 128-d vectors and small payloads, and text-heavy payloads (escapes, non-ASCII).
// bytes_per_second counts the JSON text.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <random>
#include <string>

#include "base/json_text.h"

namespace {

std::string Vector(std::mt19937& rng, int dim) {
  std::uniform_real_distribution<double> u(-1, 1);
  std::string s = "[";
  char buf[32];
  for (int i = 0; i < dim; ++i) {
    snprintf(buf, sizeof buf, "%s%.4f", i ? "," : "", u(rng));
    s += buf;
  }
  return s + "]";
}

std::string SearchBody() {
  std::mt19937 rng(1);
  return "{\"vector\":" + Vector(rng, 128) + ",\"limit\":10}";
}

std::string UpsertBody() {
  std::mt19937 rng(2);
  std::string s = "{\"points\":[";
  for (int i = 0; i < 100; ++i) {
    if (i) s += ',';
    s += "{\"id\":" + std::to_string(i + 1) + ",\"vector\":" + Vector(rng, 128) +
         ",\"payload\":{\"g\":" + std::to_string(i % 10) +
         ",\"city\":\"Berlin\",\"tags\":[\"a\",\"b\"]}}";
  }
  return s + "]}";
}

std::string TextBody() {
  std::string s = "{\"points\":[";
  for (int i = 0; i < 50; ++i) {
    if (i) s += ',';
    s += "{\"id\":" + std::to_string(i + 1) +
         ",\"payload\":{\"text\":\"The quick brown fox jumps over the lazy dog. \\\"Quoted\\\" "
         "text,\\nnew lines and caf\xC3\xA9 \xE4\xB8\xAD\xE6\x96\x87 \\u00e9 \\ud83d\\ude00 in "
         "a paragraph of ordinary length for a retrieved chunk of a document.\"}}";
  }
  return s + "]}";
}

template <std::string (*Text)()>
void BM_ReadJson(benchmark::State& state) {
  const std::string text = Text();
  for (auto _ : state) {
    auto j = ragdb::ReadJson(text);
    if (!j.ok()) state.SkipWithError(j.status().ToString().c_str());
    benchmark::DoNotOptimize(j);
  }
  state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(text.size()));
}

template <std::string (*Text)()>
void BM_Nlohmann(benchmark::State& state) {
  const std::string text = Text();
  for (auto _ : state) {
    auto j = nlohmann::json::parse(text);
    benchmark::DoNotOptimize(j);
  }
  state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(text.size()));
}

BENCHMARK(BM_ReadJson<SearchBody>)->Name("search_body/ragdb");
BENCHMARK(BM_Nlohmann<SearchBody>)->Name("search_body/nlohmann");
BENCHMARK(BM_ReadJson<UpsertBody>)->Name("upsert_100x128/ragdb");
BENCHMARK(BM_Nlohmann<UpsertBody>)->Name("upsert_100x128/nlohmann");
BENCHMARK(BM_ReadJson<TextBody>)->Name("text_payloads/ragdb");
BENCHMARK(BM_Nlohmann<TextBody>)->Name("text_payloads/nlohmann");

}  // namespace

BENCHMARK_MAIN();
