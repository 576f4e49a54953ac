// Logging: one structured line per event on stderr, filtered by level.
//
//   log::Warn("kb.embedder_fallback", "using the hash embedder", {{"kb", name}, {"model", m}});
//
// writes (logfmt: key=value pairs, values quoted when they hold spaces, '=' or quotes)
//
//   time=2026-11-29T10:15:03.123Z level=warn event=kb.embedder_fallback msg="using the hash
//   embedder" kb=docs model=bge-small-en-v1.5
//
// on one line. `event` is a stable dotted name that scripts can match; `msg` is for people.
// The level is set by the CLI's --log-level, else $RAGDB_LOG (error | warn | info | debug;
// default info). Each line is written with one write(2), so lines of concurrent threads never
// interleave. A progress bar on a terminal (base/progress.h) is cleared before a line and drawn
// again after it.
#pragma once

#include <concepts>
#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>

#include "ragdb/status.h"

namespace ragdb::log {

enum class Level { kError = 0, kWarn = 1, kInfo = 2, kDebug = 3 };

// "error", "warn", "info", "debug" ("warning" is accepted for warn).
Result<Level> ParseLevel(std::string_view name);
std::string_view LevelName(Level level);

void SetLevel(Level level);
Level GetLevel();
inline bool Enabled(Level level) { return static_cast<int>(level) <= static_cast<int>(GetLevel()); }
// Applies $RAGDB_LOG when set; InvalidArgument naming the variable when its value is not a level.
Status InitFromEnv();

// One key=value pair of an event.
struct Field {
  Field(std::string_view k, std::string_view v) : key(k), value(v) {}
  Field(std::string_view k, const char* v) : key(k), value(v) {}
  Field(std::string_view k, const std::string& v) : key(k), value(v) {}
  template <std::integral T>
  Field(std::string_view k, T v)
      : key(k), value(std::is_same_v<T, bool> ? (v ? "true" : "false") : std::to_string(v)) {}
  Field(std::string_view k, double v);

  std::string_view key;
  std::string value;
};

// Writes the event when `level` is enabled.
void Write(Level level, std::string_view event, std::string_view message,
           std::initializer_list<Field> fields = {});
inline void Error(std::string_view event, std::string_view message,
                  std::initializer_list<Field> fields = {}) {
  Write(Level::kError, event, message, fields);
}
inline void Warn(std::string_view event, std::string_view message,
                 std::initializer_list<Field> fields = {}) {
  Write(Level::kWarn, event, message, fields);
}
inline void Info(std::string_view event, std::string_view message,
                 std::initializer_list<Field> fields = {}) {
  Write(Level::kInfo, event, message, fields);
}
inline void Debug(std::string_view event, std::string_view message,
                  std::initializer_list<Field> fields = {}) {
  Write(Level::kDebug, event, message, fields);
}

// The line Write would produce (without the trailing newline), for tests and for callers that
// batch lines themselves.
std::string FormatLine(Level level, std::string_view event, std::string_view message,
                       std::initializer_list<Field> fields);

// The terminal status line (a progress bar): drawn with "\r" and kept at the bottom of stderr
// while log lines scroll above it. An empty text removes it.
void SetStatusLine(std::string_view text);

// Replaces stderr as the destination of lines (tests); nullptr restores stderr.
void SetSinkForTest(std::function<void(std::string_view line)> sink);

}  // namespace ragdb::log
