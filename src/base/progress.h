// Progress of a long task (import, ingest, optimize, a model download).
//
// On a terminal (stderr is a TTY) a bar is drawn at the bottom of stderr and redrawn at most ten
// times a second: done/total in rows or bytes, the rate and the time left. When stderr is not a
// terminal nothing is drawn. Either way, Finish() logs one summary line (an info event
// "<task>.done" with the count, the seconds and the rate), so a piped run still says what it did.
// Nothing is drawn or logged below the info level (--log-level warn quiets both).
//
//   Progress p("import", Progress::Unit::kRows, total_rows);
//   for (...) { ...; p.Add(batch_rows); }
//   p.Finish();
//
// Add / Set / SetDetail may be called from several threads.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

#include "base/log.h"

namespace ragdb {

class Progress {
 public:
  enum class Unit { kRows, kBytes, kDocuments, kFiles };

  // `total` 0 = unknown (no percentage or time left, only the count and the rate).
  Progress(std::string task, Unit unit, uint64_t total);
  // Removes the bar; logs nothing unless Finish was called (a failed task has its own error).
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  // Add and Set redraw (at most ten times a second); SetTotal and SetDetail show at the next
  // redraw, so a caller sets them first and then the count.
  void Add(uint64_t n);
  void Set(uint64_t done);
  void SetTotal(uint64_t total);
  // A short label drawn after the numbers (the current file, the current stage).
  void SetDetail(std::string_view detail);
  // Removes the bar and logs the summary line; `message` replaces the default "N rows in S s".
  void Finish(std::string_view message = {});

  uint64_t done() const { return done_.load(std::memory_order_relaxed); }
  // Whether bars are drawn at all: stderr is a terminal and the log level is info or more.
  static bool Drawing();

  // Rendering, public for tests: "1.2 MB", "12,345 rows", "3m05s".
  static std::string FormatAmount(uint64_t n, Unit unit);
  static std::string FormatDuration(double seconds);
  std::string RenderBar(double elapsed_seconds) const;

 private:
  void MaybeDraw(bool force);

  const std::string task_;
  const Unit unit_;
  std::atomic<uint64_t> total_;
  std::atomic<uint64_t> done_{0};
  const std::chrono::steady_clock::time_point start_;
  const bool drawing_;
  std::mutex mu_;  // guards detail_, last_draw_, finished_
  std::string detail_;
  std::chrono::steady_clock::time_point last_draw_{};
  bool finished_ = false;
};

}  // namespace ragdb
