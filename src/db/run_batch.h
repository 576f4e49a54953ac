// Runs one search per request over a pool of threads, for the batch entry points of a collection.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "base/thread_pool.h"
#include "ragdb/database.h"

namespace ragdb::db {

// search(request) for every request, on `threads` threads (the caller's included; 0 = one per
// core). Results come back in request order; the first failure is returned, naming its query.
template <typename Request, typename SearchFn>
Result<std::vector<std::vector<ScoredPoint>>> RunBatch(std::span<const Request> requests,
                                                       size_t threads, SearchFn&& search) {
  if (threads == 0) threads = ThreadPool::HardwareThreads();
  std::vector<std::vector<ScoredPoint>> results(requests.size());
  std::vector<Status> errors(requests.size());
  auto run = [&](size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) {
      auto r = search(requests[i]);
      if (r.ok()) {
        results[i] = std::move(r).value();
      } else {
        errors[i] = r.status();
      }
    }
  };
  if (threads <= 1 || requests.size() <= 1) {
    run(0, requests.size());
  } else {
    ThreadPool pool(threads - 1);  // the calling thread works too
    pool.ParallelFor(requests.size(), 1, run);
  }
  for (size_t i = 0; i < errors.size(); ++i) {
    if (!errors[i].ok()) return errors[i].WithContext("query " + std::to_string(i));
  }
  return results;
}

}  // namespace ragdb::db
