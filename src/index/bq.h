// Binary quantization (1 bit per component) for HNSW walks: bit j of a row is set when component
// j is above the training rows' mean of that component. Centering first keeps about half of each
// component's bits set even when, as with text embeddings, every component has a bias, so that
// the Hamming distance between codes tracks the angle between the centered rows. Queries are
// encoded the same way; the walk ranks rows by Hamming distance (a few popcounts per 64
// components) and the final beam is re-scored with the float rows.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace ragdb::index {

class BinaryQuantizer {
 public:
  // The per-component mean over rows 0..n-1 (zeros when n = 0).
  void Train(const float* x, size_t n, size_t d);
  void Load(const float* mean, size_t d) { mean_.assign(mean, mean + d); }
  size_t dim() const { return mean_.size(); }
  const std::vector<float>& mean() const { return mean_; }
  // Bytes of one code: the bits, padded to whole 64-bit words (the popcount kernels' unit).
  size_t code_bytes() const { return CodeBytes(mean_.size()); }
  static size_t CodeBytes(size_t d) { return (d + 63) / 64 * 8; }
  // Writes code_bytes() bytes (padding bits zero).
  void Encode(const float* x, uint8_t* code) const;

 private:
  std::vector<float> mean_;
};

}  // namespace ragdb::index
