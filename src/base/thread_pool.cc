#include "base/thread_pool.h"

#include <sched.h>

#include <algorithm>
#include <atomic>

namespace ragdb {

size_t ThreadPool::HardwareThreads() {
  // hardware_concurrency() counts the machine's CPUs even when taskset or a cgroup cpuset
  // allows fewer; threads beyond the allowed CPUs only take turns and wake each other.
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0) {
    int n = CPU_COUNT(&set);
    if (n > 0) return size_t(n);
  }
  return std::max<size_t>(1, std::thread::hardware_concurrency());
}

ThreadPool::ThreadPool(size_t threads) {
  if (threads == 0) threads = HardwareThreads();
  workers_.reserve(threads);
  for (size_t i = 0; i < threads; ++i) workers_.emplace_back([this] { WorkerLoop(); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  for (auto& t : workers_) t.join();
}

void ThreadPool::Submit(std::function<void()> task) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    tasks_.push_back(std::move(task));
  }
  cv_.notify_one();
}

void ThreadPool::WorkerLoop() {
  for (;;) {
    std::function<void()> task;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stop_ || !tasks_.empty(); });
      if (tasks_.empty()) return;  // stop_ and drained
      task = std::move(tasks_.front());
      tasks_.pop_front();
    }
    task();
  }
}

void ThreadPool::ParallelFor(size_t n, size_t grain,
                             const std::function<void(size_t, size_t)>& fn) {
  if (n == 0) return;
  grain = std::max<size_t>(1, grain);
  size_t chunks = (n + grain - 1) / grain;
  if (chunks == 1 || workers_.empty()) {
    fn(0, n);
    return;
  }
  // Every runner (the helpers and this thread) claims chunks until none are left; we return only
  // after all runners have exited, so no queued helper outlives the locals it refers to.
  size_t helpers = std::min(workers_.size(), chunks - 1);
  std::atomic<size_t> next{0};
  size_t finished = 0;
  std::mutex done_mu;
  std::condition_variable done_cv;
  auto run = [&] {
    for (;;) {
      size_t c = next.fetch_add(1);
      if (c >= chunks) break;
      size_t begin = c * grain;
      fn(begin, std::min(n, begin + grain));
    }
    std::lock_guard<std::mutex> lock(done_mu);
    if (++finished == helpers + 1) done_cv.notify_all();
  };
  for (size_t i = 0; i < helpers; ++i) Submit(run);
  run();
  std::unique_lock<std::mutex> lock(done_mu);
  done_cv.wait(lock, [&] { return finished == helpers + 1; });
}

}  // namespace ragdb
