#include "index/bq.h"

#include <cstring>

namespace ragdb::index {

void BinaryQuantizer::Train(const float* x, size_t n, size_t d) {
  std::vector<double> sum(d, 0.0);
  for (size_t i = 0; i < n; ++i) {
    const float* r = x + i * d;
    for (size_t j = 0; j < d; ++j) sum[j] += r[j];
  }
  mean_.assign(d, 0.0f);
  for (size_t j = 0; j < d && n > 0; ++j) mean_[j] = static_cast<float>(sum[j] / double(n));
}

void BinaryQuantizer::Encode(const float* x, uint8_t* code) const {
  std::memset(code, 0, code_bytes());
  for (size_t j = 0; j < mean_.size(); ++j) {
    if (x[j] > mean_[j]) code[j >> 3] |= static_cast<uint8_t>(1u << (j & 7));
  }
}

}  // namespace ragdb::index
