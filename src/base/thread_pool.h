// A fixed pool of worker threads, and ParallelFor for data-parallel loops (index building,
// batch search, batched inference). Callers own the pool; nothing here is global.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace ragdb {

class ThreadPool {
 public:
  // `threads` == 0 means one per hardware core.
  explicit ThreadPool(size_t threads = 0);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  size_t size() const { return workers_.size(); }
  void Submit(std::function<void()> task);
  // Runs fn(begin, end) over [0, n) split into chunks of about `grain` items, on the pool's
  // threads and the calling thread; returns when all chunks are done.
  void ParallelFor(size_t n, size_t grain, const std::function<void(size_t, size_t)>& fn);

  // CPUs this process may run on (its affinity mask: taskset, cgroup cpusets), at least 1.
  static size_t HardwareThreads();

 private:
  void WorkerLoop();

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;
  bool stop_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace ragdb
