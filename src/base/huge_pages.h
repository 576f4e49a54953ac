// Memory for large arrays that are read at random (vector rows, graph links), backed by 2 MiB
// transparent huge pages where the kernel allows it.
//
// Why: a search touches rows all over an array of hundreds of MB. With 4 KiB pages nearly every
// touch can also be a TLB miss (a page walk before the cache miss); with 2 MiB pages the whole
// array needs a few hundred TLB entries. Measured on the project's 2-core VM: one A/B of the
// server's exact scans over a 10 MB growing segment gave 275 -> 249 us of CPU per request (close
// to that machine's run-to-run noise); HNSW at 1M rows showed no difference either way. Debian's
// default is THP "madvise", so the memory must ask for it: allocations of at least 2 MiB are
// mapped 2 MiB-aligned and advised MADV_HUGEPAGE. Smaller ones use operator new. Where the kernel
// has THP off, the advice is ignored and this is an ordinary mapping. RAGDB_HUGE_PAGES=0 in the
// environment leaves out the advice (to compare, or where the rounding to 2 MiB costs too much).
#pragma once

#include <cstddef>
#include <new>
#include <vector>

namespace ragdb {

// Bytes from which an allocation goes to its own huge-page mapping.
inline constexpr size_t kHugePageBytes = size_t{2} << 20;

// Raw allocation: `bytes` rounded up to 2 MiB, aligned to 2 MiB, advised MADV_HUGEPAGE. Throws
// std::bad_alloc when the mapping fails. Free with FreeHugePages(p, bytes) (the same `bytes`).
void* AllocateHugePages(size_t bytes);
void FreeHugePages(void* p, size_t bytes) noexcept;

template <class T>
struct HugePageAllocator {
  using value_type = T;
  HugePageAllocator() noexcept = default;
  template <class U>
  HugePageAllocator(const HugePageAllocator<U>&) noexcept {}

  T* allocate(size_t n) {
    size_t bytes = n * sizeof(T);
    if (bytes < kHugePageBytes) return static_cast<T*>(::operator new(bytes));
    return static_cast<T*>(AllocateHugePages(bytes));
  }
  void deallocate(T* p, size_t n) noexcept {
    size_t bytes = n * sizeof(T);
    if (bytes < kHugePageBytes) {
      ::operator delete(p);
    } else {
      FreeHugePages(p, bytes);
    }
  }
  template <class U>
  bool operator==(const HugePageAllocator<U>&) const noexcept {
    return true;
  }
};

// A std::vector whose large buffers live on huge pages.
template <class T>
using HugeVector = std::vector<T, HugePageAllocator<T>>;

}  // namespace ragdb
