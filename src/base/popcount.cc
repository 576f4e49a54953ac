#include "base/popcount.h"

#include <bit>

namespace ragdb {
namespace internal {

size_t PopcountWordsPortable(const uint64_t* words, size_t n) {
  size_t c = 0;
  for (size_t i = 0; i < n; ++i) c += static_cast<size_t>(std::popcount(words[i]));
  return c;
}

}  // namespace internal

namespace {

#if defined(__x86_64__)
__attribute__((target("popcnt"))) size_t PopcountWordsPopcnt(const uint64_t* words, size_t n) {
  size_t c = 0;
  for (size_t i = 0; i < n; ++i) c += static_cast<size_t>(__builtin_popcountll(words[i]));
  return c;
}
#endif

using PopcountFn = size_t (*)(const uint64_t*, size_t);

PopcountFn Choose() {
#if defined(__x86_64__)
  if (__builtin_cpu_supports("popcnt")) return PopcountWordsPopcnt;
#endif
  return internal::PopcountWordsPortable;
}

}  // namespace

size_t PopcountWords(const uint64_t* words, size_t n) {
  static const PopcountFn fn = Choose();
  return fn(words, n);
}

}  // namespace ragdb
