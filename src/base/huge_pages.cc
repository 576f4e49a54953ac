#include "base/huge_pages.h"

#include <sys/mman.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>

namespace ragdb {
namespace {

size_t RoundUp(size_t bytes) { return (bytes + kHugePageBytes - 1) & ~(kHugePageBytes - 1); }

bool Disabled() {
  static const bool off = [] {
    const char* v = std::getenv("RAGDB_HUGE_PAGES");
    return v != nullptr && (std::strcmp(v, "0") == 0 || std::strcmp(v, "off") == 0);
  }();
  return off;
}

}  // namespace

void* AllocateHugePages(size_t bytes) {
  const size_t size = RoundUp(bytes);
  // Map one huge page more than needed, then unmap the unaligned head and the tail, so that
  // the kernel can back every 2 MiB of the range with one huge page.
  const size_t span = size + kHugePageBytes;
  void* raw = mmap(nullptr, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) throw std::bad_alloc();
  auto start = reinterpret_cast<uintptr_t>(raw);
  uintptr_t aligned = (start + kHugePageBytes - 1) & ~(uintptr_t{kHugePageBytes} - 1);
  if (aligned > start) munmap(raw, aligned - start);
  uintptr_t end = start + span, aligned_end = aligned + size;
  if (end > aligned_end) munmap(reinterpret_cast<void*>(aligned_end), end - aligned_end);
  void* p = reinterpret_cast<void*>(aligned);
  // Advice only: without THP (or with RAGDB_HUGE_PAGES=0) the pages stay 4 KiB.
  if (!Disabled()) madvise(p, size, MADV_HUGEPAGE);
  return p;
}

void FreeHugePages(void* p, size_t bytes) noexcept {
  if (p != nullptr) munmap(p, RoundUp(bytes));
}

}  // namespace ragdb
