// A database opened from Python, shared by every Collection and KnowledgeBase object made from
// it, and the one way the binding calls into the engine: without the GIL, under a shared lock.
//
// close() must not pull the engine out from under a call that runs on another Python thread
// (the GIL is released during engine calls), so calls hold the handle's lock shared and close()
// takes it exclusively. After close() every call fails with FailedPrecondition.
#pragma once

#include <pybind11/pybind11.h>

#include <memory>
#include <mutex>
#include <shared_mutex>
#include <type_traits>

#include "ragdb/database.h"

namespace ragdb::python {

class DbHandle {
 public:
  explicit DbHandle(std::unique_ptr<Database> db) : db_(std::move(db)) {}

  // Runs fn() (returning Status or Result<T>) with the GIL released, while the database stays
  // open. fn must not touch Python objects.
  template <typename Fn>
  auto Call(Fn&& fn) const -> std::invoke_result_t<Fn> {
    pybind11::gil_scoped_release nogil;
    std::shared_lock lock(mu_);
    if (!db_) return Status::FailedPrecondition("the database is closed");
    return fn();
  }

  // The database, for calls made inside Call().
  Database& db() const { return *db_; }

  // Waits for running calls, then closes the database (its files and its LOCK).
  void Close() {
    pybind11::gil_scoped_release nogil;
    std::unique_ptr<Database> closing;
    {
      std::unique_lock lock(mu_);
      closing = std::move(db_);
    }
  }

 private:
  mutable std::shared_mutex mu_;
  std::unique_ptr<Database> db_;
};

}  // namespace ragdb::python
