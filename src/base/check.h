// RAGDB_CHECK: aborts on a broken invariant inside ragdb. Never use it for user input: that gets
// a Status.
#pragma once

#include <cstdio>
#include <cstdlib>

#define RAGDB_CHECK(cond)                                                                 \
  do {                                                                                    \
    if (!(cond)) {                                                                        \
      std::fprintf(stderr, "%s:%d: RAGDB_CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                       \
    }                                                                                     \
  } while (0)
