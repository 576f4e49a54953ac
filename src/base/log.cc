#include "base/log.h"

#include <unistd.h>

#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <mutex>

namespace ragdb::log {
namespace {

std::atomic<int> g_level{static_cast<int>(Level::kInfo)};

// Guards the status line and the sink; also orders whole lines on stderr.
std::mutex& OutputMutex() {
  static std::mutex mu;
  return mu;
}
std::string& StatusLine() {
  static std::string line;
  return line;
}
std::function<void(std::string_view)>& Sink() {
  static std::function<void(std::string_view)> sink;
  return sink;
}

void WriteAll(std::string_view s) {
  while (!s.empty()) {
    ssize_t n = ::write(STDERR_FILENO, s.data(), s.size());
    if (n <= 0) return;  // stderr closed: nothing better to do with a log line
    s.remove_prefix(static_cast<size_t>(n));
  }
}

bool NeedsQuotes(std::string_view v) {
  if (v.empty()) return true;
  for (char c : v) {
    if (c == ' ' || c == '=' || c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20) {
      return true;
    }
  }
  return false;
}

void AppendValue(std::string_view v, std::string* out) {
  if (!NeedsQuotes(v)) {
    out->append(v);
    return;
  }
  out->push_back('"');
  for (char c : v) {
    switch (c) {
      case '"':
        *out += "\\\"";
        break;
      case '\\':
        *out += "\\\\";
        break;
      case '\n':
        *out += "\\n";
        break;
      case '\r':
        *out += "\\r";
        break;
      case '\t':
        *out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out->push_back(' ');
        } else {
          out->push_back(c);
        }
    }
  }
  out->push_back('"');
}

void AppendTime(std::string* out) {
  auto now = std::chrono::system_clock::now();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  size_t n = std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof(buf) - n, ".%03dZ", static_cast<int>(ms % 1000));
  *out += buf;
}

}  // namespace

Result<Level> ParseLevel(std::string_view name) {
  if (name == "error") return Level::kError;
  if (name == "warn" || name == "warning") return Level::kWarn;
  if (name == "info") return Level::kInfo;
  if (name == "debug") return Level::kDebug;
  return Status::InvalidArgument("unknown log level '" + std::string(name) +
                                 "' (expected error, warn, info or debug)");
}

std::string_view LevelName(Level level) {
  switch (level) {
    case Level::kError:
      return "error";
    case Level::kWarn:
      return "warn";
    case Level::kInfo:
      return "info";
    case Level::kDebug:
      return "debug";
  }
  return "info";
}

void SetLevel(Level level) { g_level.store(static_cast<int>(level), std::memory_order_relaxed); }
Level GetLevel() { return static_cast<Level>(g_level.load(std::memory_order_relaxed)); }

Status InitFromEnv() {
  const char* env = std::getenv("RAGDB_LOG");
  if (env == nullptr || *env == '\0') return Status::Ok();
  auto level = ParseLevel(env);
  if (!level.ok()) return level.status().WithContext("RAGDB_LOG");
  SetLevel(*level);
  return Status::Ok();
}

Field::Field(std::string_view k, double v) : key(k) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::general, 6);
  value.assign(buf, ec == std::errc() ? end : buf);
}

std::string FormatLine(Level level, std::string_view event, std::string_view message,
                       std::initializer_list<Field> fields) {
  std::string line = "time=";
  AppendTime(&line);
  line += " level=";
  line += LevelName(level);
  line += " event=";
  AppendValue(event, &line);
  line += " msg=";
  AppendValue(message, &line);
  for (const Field& f : fields) {
    line.push_back(' ');
    line += f.key;
    line.push_back('=');
    AppendValue(f.value, &line);
  }
  return line;
}

void Write(Level level, std::string_view event, std::string_view message,
           std::initializer_list<Field> fields) {
  if (!Enabled(level)) return;
  std::string line = FormatLine(level, event, message, fields);
  std::lock_guard<std::mutex> lock(OutputMutex());
  if (Sink()) {
    Sink()(line);
    return;
  }
  line.push_back('\n');
  const std::string& status = StatusLine();
  if (!status.empty()) {
    // Clear the bar, print the line, draw the bar again below it: one write.
    line = "\r\033[K" + line + status;
  }
  WriteAll(line);
}

void SetStatusLine(std::string_view text) {
  std::lock_guard<std::mutex> lock(OutputMutex());
  std::string& status = StatusLine();
  if (text.empty() && status.empty()) return;
  status.assign(text);
  if (Sink()) return;
  WriteAll("\r" + status + "\033[K");
}

void SetSinkForTest(std::function<void(std::string_view line)> sink) {
  std::lock_guard<std::mutex> lock(OutputMutex());
  Sink() = std::move(sink);
}

}  // namespace ragdb::log
