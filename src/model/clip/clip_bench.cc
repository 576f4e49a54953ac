// Throughput driver for bench/clip_bench.py: CLIP image embeddings per second through the
// embedded API (Embedder::EmbedImages: decode, preprocess and the vision tower), and peak RSS.
//
//   clip_bench --model DIR --images FILE... [--batch 32] [--threads 2] [--seconds 10]
//
// Prints one JSON line: {"images_per_s": .., "images": N, "seconds": .., "max_rss_mb": ..}.
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "base/file.h"
#include "ragdb/model.h"

int main(int argc, char** argv) {
  std::string model;
  std::vector<std::string> files;
  ragdb::EmbedderOptions opts;
  opts.threads = 2;
  double seconds = 10;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--model" && i + 1 < argc) {
      model = argv[++i];
    } else if (a == "--batch" && i + 1 < argc) {
      opts.batch_size = std::stoul(argv[++i]);
    } else if (a == "--threads" && i + 1 < argc) {
      opts.threads = std::stoul(argv[++i]);
    } else if (a == "--seconds" && i + 1 < argc) {
      seconds = std::stod(argv[++i]);
    } else if (a == "--images") {
      while (i + 1 < argc && argv[i + 1][0] != '-') files.push_back(argv[++i]);
    } else {
      std::fprintf(stderr,
                   "usage: clip_bench --model DIR --images FILE... [--batch 32] "
                   "[--threads 2] [--seconds 10]\n");
      return 2;
    }
  }
  auto embedder = ragdb::Embedder::Load("clip:" + model, opts);
  if (!embedder.ok()) {
    std::fprintf(stderr, "%s\n", embedder.status().ToString().c_str());
    return 1;
  }
  std::vector<std::string> images;
  for (const auto& f : files) images.push_back(ragdb::ReadFile(f).value());
  // One warm-up pass (page faults of the weights, thread start), then whole passes until the
  // time is up.
  if (!(*embedder)->EmbedImages(images).ok()) return 1;
  size_t done = 0;
  auto start = std::chrono::steady_clock::now();
  double elapsed = 0;
  while (elapsed < seconds) {
    auto v = (*embedder)->EmbedImages(images);
    if (!v.ok()) {
      std::fprintf(stderr, "%s\n", v.status().ToString().c_str());
      return 1;
    }
    done += images.size();
    elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  rusage u;
  getrusage(RUSAGE_SELF, &u);
  std::printf(
      "{\"images_per_s\": %.3f, \"images\": %zu, \"seconds\": %.3f, \"max_rss_mb\": %.1f}\n",
      done / elapsed, done, elapsed, u.ru_maxrss / 1024.0);
  return 0;
}
