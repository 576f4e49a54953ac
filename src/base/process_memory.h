// The process's resident memory, for frugal mode's budget (DatabaseOptions::memory_limit_bytes).
#pragma once

#include <cstddef>

namespace ragdb {

// Bytes currently resident (RSS: anonymous memory plus mapped file pages), from
// /proc/self/statm; 0 where that cannot be read.
size_t ResidentBytes();
// The most that was resident since the process started (VmHWM of /proc/self/status); 0 where
// that cannot be read.
size_t PeakResidentBytes();

}  // namespace ragdb
