// Helpers shared by the text tests: random corpora of synthetic tokens.
#pragma once

#include <random>
#include <string>
#include <vector>

#include "text/analyzer.h"

namespace ragdb::text::testing {

// A document of `len` tokens drawn from a Zipf-like vocabulary of `vocab` terms "t0".."tN".
inline std::vector<Token> RandomDoc(std::mt19937& rng, int vocab, int len) {
  std::vector<Token> d;
  std::uniform_real_distribution<double> u(0, 1);
  for (int i = 0; i < len; ++i) {
    const int t = static_cast<int>(vocab * u(rng) * u(rng));  // skewed to small ids
    d.push_back(Token{"t" + std::to_string(t), static_cast<uint32_t>(i)});
  }
  return d;
}

}  // namespace ragdb::text::testing
