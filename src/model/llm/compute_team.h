// A small team of threads for the decoder's data-parallel steps. A generated token runs a few
// hundred short parallel steps (one per matrix product), so handing work over must cost
// microseconds, not the tens a queue with a condition variable costs: between steps the workers
// spin briefly on an atomic generation counter, and only then sleep on it (futex wait), so an
// idle team takes no CPU.
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <thread>
#include <vector>

namespace ragdb::model::llm {

class ComputeTeam {
 public:
  // `threads` counts the calling thread; 0 = one per CPU this process may use.
  explicit ComputeTeam(size_t threads = 0);
  ~ComputeTeam();
  ComputeTeam(const ComputeTeam&) = delete;
  ComputeTeam& operator=(const ComputeTeam&) = delete;

  size_t size() const { return workers_.size() + 1; }
  // Runs fn(i, size()) for i in [0, size()) on the team (i = 0 on the caller) and returns when
  // every call has returned. Not reentrant: one Run at a time per team.
  void Run(const std::function<void(size_t, size_t)>& fn);

 private:
  void WorkerLoop(size_t index);

  std::vector<std::thread> workers_;
  std::atomic<uint64_t> generation_{0};
  std::atomic<size_t> pending_{0};
  std::atomic<bool> stop_{false};
  const std::function<void(size_t, size_t)>* fn_ = nullptr;
};

}  // namespace ragdb::model::llm
