#include "base/progress.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>

namespace ragdb {
namespace {

using Clock = std::chrono::steady_clock;

std::string_view UnitName(Progress::Unit unit) {
  switch (unit) {
    case Progress::Unit::kRows:
      return "rows";
    case Progress::Unit::kBytes:
      return "bytes";
    case Progress::Unit::kDocuments:
      return "documents";
    case Progress::Unit::kFiles:
      return "files";
  }
  return "items";
}

// 1234567 -> "1,234,567"
std::string Grouped(uint64_t n) {
  std::string digits = std::to_string(n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

std::string Bytes(double b) {
  const char* units[] = {"B", "KB", "MB", "GB", "TB"};
  int u = 0;
  while (b >= 1000 && u < 4) {
    b /= 1000;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof(buf), u == 0 ? "%.0f %s" : "%.1f %s", b, units[u]);
  return buf;
}

size_t TerminalWidth() {
  winsize ws{};
  if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20) return ws.ws_col;
  return 80;
}

// Cut to `width` code points (UTF-8 continuation bytes do not count), keeping the end.
std::string FitRight(const std::string& s, size_t width) {
  size_t count = 0;
  for (unsigned char c : s) count += (c & 0xC0) != 0x80;
  if (count <= width) return s;
  size_t drop = count - width + 1, i = 0;
  for (; i < s.size() && drop > 0; ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) --drop;
  }
  while (i < s.size() && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) ++i;
  return "…" + s.substr(i);
}

size_t DisplayWidth(const std::string& s) {
  size_t count = 0;
  for (unsigned char c : s) count += (c & 0xC0) != 0x80;
  return count;
}

}  // namespace

Progress::Progress(std::string task, Unit unit, uint64_t total)
    : task_(std::move(task)),
      unit_(unit),
      total_(total),
      start_(Clock::now()),
      drawing_(Drawing()) {}

Progress::~Progress() {
  std::lock_guard<std::mutex> lock(mu_);
  if (drawing_ && !finished_) log::SetStatusLine("");
}

bool Progress::Drawing() {
  static const bool tty = isatty(STDERR_FILENO) != 0;
  return tty && log::Enabled(log::Level::kInfo);
}

void Progress::Add(uint64_t n) {
  done_.fetch_add(n, std::memory_order_relaxed);
  MaybeDraw(false);
}

void Progress::Set(uint64_t done) {
  done_.store(done, std::memory_order_relaxed);
  MaybeDraw(false);
}

void Progress::SetTotal(uint64_t total) { total_.store(total, std::memory_order_relaxed); }

void Progress::SetDetail(std::string_view detail) {
  std::lock_guard<std::mutex> lock(mu_);
  detail_.assign(detail);
}

std::string Progress::FormatAmount(uint64_t n, Unit unit) {
  if (unit == Unit::kBytes) return Bytes(static_cast<double>(n));
  return Grouped(n) + " " + std::string(UnitName(unit));
}

std::string Progress::FormatDuration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  uint64_t s = static_cast<uint64_t>(seconds + 0.5);
  char buf[32];
  if (s < 60) {
    std::snprintf(buf, sizeof(buf), "%llus", static_cast<unsigned long long>(s));
  } else if (s < 3600) {
    std::snprintf(buf, sizeof(buf), "%llum%02llus", static_cast<unsigned long long>(s / 60),
                  static_cast<unsigned long long>(s % 60));
  } else {
    std::snprintf(buf, sizeof(buf), "%lluh%02llum", static_cast<unsigned long long>(s / 3600),
                  static_cast<unsigned long long>(s / 60 % 60));
  }
  return buf;
}

std::string Progress::RenderBar(double elapsed) const {
  const uint64_t done = done_.load(std::memory_order_relaxed);
  const uint64_t total = total_.load(std::memory_order_relaxed);
  std::string line = task_ + " ";
  if (total > 0) {
    const double frac = std::min(1.0, static_cast<double>(done) / static_cast<double>(total));
    const int width = 20;
    int filled = static_cast<int>(frac * width);
    line += "[" + std::string(filled, '=') + (filled < width ? ">" : "") +
            std::string(width - filled - (filled < width ? 1 : 0), ' ') + "] ";
    char pct[8];
    std::snprintf(pct, sizeof(pct), "%3d%% ", static_cast<int>(frac * 100));
    line += pct;
  }
  if (unit_ == Unit::kBytes) {
    line += Bytes(static_cast<double>(done));
    if (total > 0) line += " / " + Bytes(static_cast<double>(total));
  } else {
    line += Grouped(done);
    if (total > 0) line += "/" + Grouped(total);
    line += " " + std::string(UnitName(unit_));
  }
  if (elapsed > 0.2 && done > 0) {
    const double rate = static_cast<double>(done) / elapsed;
    line += "  " +
            (unit_ == Unit::kBytes
                 ? Bytes(rate)
                 : Grouped(static_cast<uint64_t>(rate)) + " " + std::string(UnitName(unit_))) +
            "/s";
    if (total > done) {
      line += "  ETA " + FormatDuration(static_cast<double>(total - done) / rate);
    }
  } else {
    line += "  " + FormatDuration(elapsed);
  }
  return line;
}

void Progress::MaybeDraw(bool force) {
  if (!drawing_) return;
  std::lock_guard<std::mutex> lock(mu_);
  if (finished_) return;
  const auto now = Clock::now();
  if (!force && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  std::string line = RenderBar(std::chrono::duration<double>(now - start_).count());
  const size_t width = TerminalWidth() - 1;  // the last column would wrap on some terminals
  if (!detail_.empty() && DisplayWidth(line) + 3 < width) {
    line += "  " + FitRight(detail_, width - DisplayWidth(line) - 2);
  }
  log::SetStatusLine(line);
}

void Progress::Finish(std::string_view message) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (finished_) return;
    finished_ = true;
    if (drawing_) log::SetStatusLine("");
  }
  const double secs = std::chrono::duration<double>(Clock::now() - start_).count();
  const uint64_t done = done_.load(std::memory_order_relaxed);
  const double rate = secs > 0 ? static_cast<double>(done) / secs : 0.0;
  std::string text(message);
  if (text.empty()) {
    char tail[64];
    std::snprintf(tail, sizeof(tail), " in %.1f s (", secs);
    text = FormatAmount(done, unit_) + tail +
           (unit_ == Unit::kBytes
                ? Bytes(rate)
                : Grouped(static_cast<uint64_t>(rate)) + " " + std::string(UnitName(unit_))) +
           "/s)";
  }
  log::Info(task_ + ".done", text,
            {{UnitName(unit_), done}, {"seconds", secs}, {"per_second", rate}});
}

}  // namespace ragdb
