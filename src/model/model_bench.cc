// Throughput driver for bench/model_bench.py: runs the encoder (mean pooling path, no
// tokenization) on random token ids and prints one JSON line with sentences per second and peak
// RSS.
//
//   model_bench --model DIR --batch B --seq L [--seconds S] [--threads T] [--mixed 1]
//               [--quantize int8] [--compare 1]
//
// --quantize int8: the int8 weight path (ragdb/model.h WeightQuantization::kInt8).
// --compare 1: no timing; runs the batch through the f32 and the int8 model and prints the
// accuracy loss: cosine of int8 vs f32 mean-pooled outputs (mean and min over the batch), or for a
// cross-encoder folder the classifier scores' max |difference| and whether their ranking changes.
//
// --mixed 1: sequence i has max(8, L * (i + 1) / B) tokens (a spread of lengths up to L), the same
// lengths bench/model_bench.py gives PyTorch (which pads them to L).
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <numeric>
#include <random>
#include <string>

#include "model/encoder_model.h"

namespace {

using ragdb::WeightQuantization;
using ragdb::model::EncoderModel;
using ragdb::model::Encoding;

// Per sequence: the mean-pooled last hidden state, or the classifier score for a cross-encoder.
ragdb::Result<std::vector<std::vector<float>>> Outputs(const EncoderModel& m,
                                                       const std::vector<Encoding>& enc) {
  const auto& cfg = m.config();
  const size_t H = static_cast<size_t>(cfg.hidden_size);
  const size_t labels = static_cast<size_t>(cfg.num_labels);
  std::vector<std::vector<float>> out(enc.size());
  auto st = m.Run(enc, enc.size(),
                  [&](const std::vector<size_t>& idx, const std::vector<float>& hidden,
                      const std::vector<size_t>& offsets) {
                    std::vector<float> logits;
                    if (cfg.classifier) logits = m.transformer().Classify(hidden, offsets);
                    for (size_t s = 0; s < idx.size(); ++s) {
                      if (cfg.classifier) {
                        out[idx[s]] = {logits[s * labels + labels - 1]};
                        continue;
                      }
                      std::vector<float> v(H, 0.0f);
                      for (size_t r = offsets[s]; r < offsets[s + 1]; ++r) {
                        for (size_t j = 0; j < H; ++j) v[j] += hidden[r * H + j];
                      }
                      out[idx[s]] = std::move(v);
                    }
                  });
  if (!st.ok()) return st;
  return out;
}

std::vector<size_t> Ranking(const std::vector<std::vector<float>>& scores) {
  std::vector<size_t> order(scores.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return scores[a][0] > scores[b][0]; });
  return order;
}

int Compare(const std::string& dir, size_t threads, const std::vector<Encoding>& enc) {
  auto f32 = EncoderModel::Load(dir, 0, threads);
  auto i8 = EncoderModel::Load(dir, 0, threads, WeightQuantization::kInt8);
  if (!f32.ok() || !i8.ok()) {
    std::fprintf(stderr, "%s\n", (f32.ok() ? i8.status() : f32.status()).ToString().c_str());
    return 1;
  }
  auto a = Outputs(**f32, enc);
  auto b = Outputs(**i8, enc);
  if (!a.ok() || !b.ok()) return 1;
  if ((*f32)->config().classifier) {
    double worst = 0, lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < a->size(); ++i) {
      worst = std::max(worst, static_cast<double>(std::abs((*a)[i][0] - (*b)[i][0])));
      lo = std::min(lo, static_cast<double>((*a)[i][0]));
      hi = std::max(hi, static_cast<double>((*a)[i][0]));
    }
    // Pairs whose order differs between f32 and int8 (of n(n-1)/2).
    size_t swapped = 0;
    for (size_t i = 0; i < a->size(); ++i) {
      for (size_t j = i + 1; j < a->size(); ++j) {
        swapped += ((*a)[i][0] > (*a)[j][0]) != ((*b)[i][0] > (*b)[j][0]);
      }
    }
    std::printf(
        "{\"sequences\": %zu, \"max_abs_score_diff\": %.6g, \"f32_score_range\": [%.6g, %.6g], "
        "\"ranking_changed\": %s, \"swapped_pairs\": %zu}\n",
        a->size(), worst, lo, hi, Ranking(*a) == Ranking(*b) ? "false" : "true", swapped);
    return 0;
  }
  double sum = 0, worst = 1;
  for (size_t i = 0; i < a->size(); ++i) {
    double ab = 0, aa = 0, bb = 0;
    for (size_t j = 0; j < (*a)[i].size(); ++j) {
      ab += static_cast<double>((*a)[i][j]) * (*b)[i][j];
      aa += static_cast<double>((*a)[i][j]) * (*a)[i][j];
      bb += static_cast<double>((*b)[i][j]) * (*b)[i][j];
    }
    const double c = ab / std::sqrt(aa * bb);
    sum += c;
    worst = std::min(worst, c);
  }
  std::printf("{\"sequences\": %zu, \"mean_cosine\": %.9f, \"min_cosine\": %.9f}\n", a->size(),
              sum / static_cast<double>(a->size()), worst);
  return 0;
}

// Peak RSS of this process image in MB. Not getrusage's ru_maxrss: Linux carries that across
// execve, so a child of a large Python parent would report the parent's peak.
double PeakRssMb() {
  std::FILE* f = std::fopen("/proc/self/status", "r");
  if (f == nullptr) return 0;
  char line[256];
  double kb = 0;
  while (std::fgets(line, sizeof(line), f)) {
    if (std::strncmp(line, "VmHWM:", 6) == 0) kb = std::atof(line + 6);
  }
  std::fclose(f);
  return kb / 1024.0;
}

// User + system CPU time of all threads. Sentences per CPU second is the steadier figure when
// other processes take cores away (the pool's idle threads sleep, so they do not count).
double CpuSeconds() {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

int Main(int argc, char** argv) {
  std::string dir;
  size_t batch = 1, seq = 128, threads = 0;
  double seconds = 3.0;
  bool mixed = false;
  bool dump = false;  // print sequence 0's ids and mean-pooled output instead of timing
  bool compare = false;
  WeightQuantization quantization = WeightQuantization::kNone;
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
    else if (a == "--compare")
      compare = std::string(argv[i + 1]) == "1";
    else if (a == "--quantize") {
      auto q = ragdb::ParseWeightQuantization(argv[i + 1]);
      if (!q.ok()) {
        std::fprintf(stderr, "%s\n", q.status().ToString().c_str());
        return 2;
      }
      quantization = *q;
    } else {
      std::fprintf(stderr, "unknown flag %s\n", a.c_str());
      return 2;
    }
  }
  auto model = EncoderModel::Load(dir, 0, threads, quantization);
  if (!model.ok()) {
    std::fprintf(stderr, "%s\n", model.status().ToString().c_str());
    return 1;
  }
  const auto& cfg = (*model)->config();
  std::mt19937 rng(7);
  std::uniform_int_distribution<int32_t> tok(1000, cfg.vocab_size - 1);
  std::vector<Encoding> enc(batch);
  for (size_t i = 0; i < batch; ++i) {
    auto& e = enc[i];
    e.ids.resize(mixed ? std::max<size_t>(8, seq * (i + 1) / batch) : seq);
    for (auto& id : e.ids) id = tok(rng);
    e.type_ids.assign(e.ids.size(), 0);
  }
  if (compare) return Compare(dir, threads, enc);
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
    std::vector<Encoding> one(enc.begin(), enc.begin() + 1);
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
  const double cpu0 = CpuSeconds();
  auto t0 = std::chrono::steady_clock::now();
  size_t iters = 0;
  double elapsed = 0;
  do {
    run();
    ++iters;
    elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  } while (elapsed < seconds || iters < 2);
  const double cpu = CpuSeconds() - cpu0;
  std::printf(
      "{\"sentences_per_sec\": %.3f, \"sentences_per_cpu_sec\": %.3f, \"iters\": %zu, "
      "\"seconds\": %.3f, \"peak_rss_mb\": %.1f, \"checksum\": %.6g}\n",
      static_cast<double>(iters * batch) / elapsed, static_cast<double>(iters * batch) / cpu, iters,
      elapsed, PeakRssMb(), checksum);
  return 0;
}

}  // namespace

int main(int argc, char** argv) { return Main(argc, argv); }
