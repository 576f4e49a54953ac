#include "model/llm/compute_team.h"

#include "base/thread_pool.h"

#if defined(__x86_64__)
#include <immintrin.h>
#define RAGDB_PAUSE() _mm_pause()
#else
#define RAGDB_PAUSE() std::this_thread::yield()
#endif

namespace ragdb::model::llm {
namespace {
// A few tens of microseconds of spinning before sleeping: longer than the gap between two
// matrix products of one token, far shorter than the gap between requests.
constexpr int kSpins = 4000;
// The caller yields its CPU while waiting after this many spins, so that on a machine with more
// runnable threads than cores a descheduled worker gets the core back soon.
constexpr int kCallerSpins = 2000;
}  // namespace

ComputeTeam::ComputeTeam(size_t threads) {
  if (threads == 0) threads = ThreadPool::HardwareThreads();
  for (size_t i = 1; i < threads; ++i) workers_.emplace_back([this, i] { WorkerLoop(i); });
}

ComputeTeam::~ComputeTeam() {
  stop_.store(true);
  generation_.fetch_add(1);
  generation_.notify_all();
  for (auto& t : workers_) t.join();
}

void ComputeTeam::Run(const std::function<void(size_t, size_t)>& fn) {
  if (workers_.empty()) {
    fn(0, 1);
    return;
  }
  fn_ = &fn;
  pending_.store(workers_.size(), std::memory_order_relaxed);
  generation_.fetch_add(1, std::memory_order_release);
  generation_.notify_all();
  fn(0, size());
  for (int spin = 0; pending_.load(std::memory_order_acquire) != 0; ++spin) {
    if (spin < kCallerSpins) {
      RAGDB_PAUSE();
    } else {
      std::this_thread::yield();
    }
  }
}

void ComputeTeam::WorkerLoop(size_t index) {
  uint64_t seen = 0;
  for (;;) {
    uint64_t g = generation_.load(std::memory_order_acquire);
    for (int spin = 0; g == seen && spin < kSpins; ++spin) {
      RAGDB_PAUSE();
      g = generation_.load(std::memory_order_acquire);
    }
    if (g == seen) {
      generation_.wait(seen, std::memory_order_acquire);
      continue;
    }
    seen = g;
    if (stop_.load()) return;
    (*fn_)(index, size());
    pending_.fetch_sub(1, std::memory_order_acq_rel);
  }
}

}  // namespace ragdb::model::llm
