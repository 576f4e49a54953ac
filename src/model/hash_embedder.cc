// HashEmbedder: the signed feature-hashing embedder (see include/ragdb/model.h).
#include <unicode/uchar.h>

#include <cmath>

#include "model/unicode_text.h"
#include "ragdb/model.h"

namespace ragdb {
namespace {

uint64_t Fnv1a(std::string_view s, uint64_t seed) {
  uint64_t h = 1469598103934665603ull ^ seed;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  // FNV's low bits mix poorly for short keys; finish with a 64-bit avalanche (murmur3 fmix).
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ull;
  h ^= h >> 33;
  return h;
}

void AddFeature(std::string_view feature, float weight, std::vector<float>* v) {
  uint64_t h = Fnv1a(feature, 0);
  size_t index = static_cast<size_t>(h % v->size());
  (*v)[index] += (h >> 63) ? -weight : weight;
}

}  // namespace

Result<std::vector<std::vector<float>>> HashEmbedder::Embed(std::span<const std::string> texts,
                                                            bool /*is_query*/) const {
  std::vector<std::vector<float>> out;
  out.reserve(texts.size());
  for (const std::string& text : texts) {
    RAGDB_ASSIGN_OR_RETURN(std::u32string s, model::DecodeUtf8(text));
    s = model::LowercaseChars(s);
    std::vector<float> v(dim_, 0.0f);
    std::u32string word;
    auto flush = [&] {
      if (word.empty()) return;
      AddFeature("w:" + model::EncodeUtf8(word), 1.0f, &v);
      // Character 3-grams of " word " catch shared stems and spelling variants.
      std::u32string padded = U" " + word + U" ";
      for (size_t i = 0; i + 3 <= padded.size(); ++i) {
        AddFeature("g:" + model::EncodeUtf8(padded.substr(i, 3)), 0.5f, &v);
      }
      word.clear();
    };
    for (char32_t c : s) {
      if (u_isalnum(static_cast<UChar32>(c))) {
        word.push_back(c);
      } else {
        flush();
      }
    }
    flush();
    double norm = 0;
    for (float x : v) norm += static_cast<double>(x) * x;
    if (norm > 0) {
      const float inv = static_cast<float>(1.0 / std::sqrt(norm));
      for (float& x : v) x *= inv;
    }
    out.push_back(std::move(v));
  }
  return out;
}

}  // namespace ragdb
