// Throughput driver for bench/model_bench.py: runs the encoder (mean pooling path, no
// tokenization) on random token ids and prints one JSON line with sentences per second and peak
// RSS.
//
//   model_bench --model DIR --batch B --seq L [--seconds S] [--threads T] [--mixed 1]
//
// --mixed 1: sequence i has max(8, L * (i + 1) / B) tokens (a spread of lengths up to L), the same
// lengths bench/model_bench.py gives PyTorch (which pads them to L).
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>

#include "model/encoder_model.h"

namespace {

int Main(int argc, char** argv) {
  std::string dir;
  size_t batch = 1, seq = 128, threads = 0;
  double seconds = 3.0;
  bool mixed = false;
  bool dump = false;  // print sequence 0's ids and mean-pooled output instead of timing
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--model")
      dir = argv[i + 1];
    else if (a == "--batch")
      batch = std::stoul(argv[i + 1]);
    else if (a == "--seq")
      seq = std::stoul(argv[i + 1]);
    else if (a == "--threads")
      threads = std::stoul(argv[i + 1]);
    else if (a == "--seconds")
      seconds = std::stod(argv[i + 1]);
    else if (a == "--mixed")
      mixed = std::string(argv[i + 1]) == "1";
    else if (a == "--dump")
      dump = std::string(argv[i + 1]) == "1";
    else {
      std::fprintf(stderr, "unknown flag %s\n", a.c_str());
      return 2;
    }
  }
  auto model = ragdb::model::EncoderModel::Load(dir, 0, threads);
  if (!model.ok()) {
    std::fprintf(stderr, "%s\n", model.status().ToString().c_str());
    return 1;
  }
  const auto& cfg = (*model)->config();
  std::mt19937 rng(7);
  std::uniform_int_distribution<int32_t> tok(1000, cfg.vocab_size - 1);
  std::vector<ragdb::model::Encoding> enc(batch);
  for (size_t i = 0; i < batch; ++i) {
    auto& e = enc[i];
    e.ids.resize(mixed ? std::max<size_t>(8, seq * (i + 1) / batch) : seq);
    for (auto& id : e.ids) id = tok(rng);
    e.type_ids.assign(e.ids.size(), 0);
  }
  const size_t H = static_cast<size_t>(cfg.hidden_size);
  double checksum = 0;
  auto run = [&] {
    auto st = (*model)->Run(enc, batch,
                            [&](const std::vector<size_t>& idx, const std::vector<float>& hidden,
                                const std::vector<size_t>& offsets) {
                              for (size_t s = 0; s < idx.size(); ++s) {
                                for (size_t r = offsets[s]; r < offsets[s + 1]; ++r)
                                  checksum += hidden[r * H];
                              }
                            });
    if (!st.ok()) std::fprintf(stderr, "%s\n", st.ToString().c_str());
  };
  if (dump) {
    std::vector<ragdb::model::Encoding> one(enc.begin(), enc.begin() + 1);
    std::vector<double> mean(H, 0.0);
    auto st = (*model)->Run(one, 1,
                            [&](const std::vector<size_t>&, const std::vector<float>& hidden,
                                const std::vector<size_t>& offsets) {
                              for (size_t r = offsets[0]; r < offsets[1]; ++r) {
                                for (size_t j = 0; j < H; ++j) mean[j] += hidden[r * H + j];
                              }
                              for (double& v : mean)
                                v /= static_cast<double>(offsets[1] - offsets[0]);
                            });
    if (!st.ok()) return 1;
    std::printf("{\"ids\": [");
    for (size_t i = 0; i < one[0].ids.size(); ++i) std::printf(i ? ",%d" : "%d", one[0].ids[i]);
    std::printf("], \"mean\": [");
    for (size_t j = 0; j < H; ++j) std::printf(j ? ",%.9g" : "%.9g", mean[j]);
    std::printf("]}\n");
    return 0;
  }
  run();  // warm-up
  auto t0 = std::chrono::steady_clock::now();
  size_t iters = 0;
  double elapsed = 0;
  do {
    run();
    ++iters;
    elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  } while (elapsed < seconds || iters < 2);
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  std::printf(
      "{\"sentences_per_sec\": %.3f, \"iters\": %zu, \"seconds\": %.3f, \"peak_rss_mb\": %.1f, "
      "\"checksum\": %.6g}\n",
      static_cast<double>(iters * batch) / elapsed, iters, elapsed, ru.ru_maxrss / 1024.0,
      checksum);
  return 0;
}

}  // namespace

int main(int argc, char** argv) { return Main(argc, argv); }
