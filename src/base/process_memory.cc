#include "base/process_memory.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

namespace ragdb {

size_t ResidentBytes() {
  // "size resident shared text lib data dt", in pages. One read of a small proc file: cheap
  // enough to call every few searches, unlike parsing /proc/self/status.
  int fd = ::open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  char buf[128];
  ssize_t n = ::read(fd, buf, sizeof(buf) - 1);
  ::close(fd);
  if (n <= 0) return 0;
  buf[n] = '\0';
  char* p = buf;
  std::strtoull(p, &p, 10);  // size
  const unsigned long long resident = std::strtoull(p, nullptr, 10);
  return static_cast<size_t>(resident) * static_cast<size_t>(::sysconf(_SC_PAGESIZE));
}

size_t PeakResidentBytes() {
  int fd = ::open("/proc/self/status", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  char buf[4096];
  ssize_t n = ::read(fd, buf, sizeof(buf) - 1);
  ::close(fd);
  if (n <= 0) return 0;
  buf[n] = '\0';
  const char* line = std::strstr(buf, "VmHWM:");
  if (line == nullptr) return 0;
  return static_cast<size_t>(std::strtoull(line + 6, nullptr, 10)) * 1024;  // in kB
}

}  // namespace ragdb
