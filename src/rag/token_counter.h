// Token counting for chunk budgets. The chunker only needs an estimate that is fast and roughly
// proportional to what an embedding model's tokenizer would say; plug in an exact counter
// (a real tokenizer) by implementing TokenCounter.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace ragdb::rag {

class TokenCounter {
 public:
  virtual ~TokenCounter() = default;
  virtual size_t Count(std::string_view text) const = 0;
};

// The default estimate, in one pass over the bytes:
// - each CJK character (Han, kana, Hangul, CJK punctuation and full-width forms) is one token;
// - each other run of non-space characters ("word") is one token, plus one more per 16 bytes
//   beyond the first 16, so URLs, hashes and base64 do not pass for a single token.
// For English prose this is within ~25% of BPE tokenizers (which give ~1.3 tokens per word).
class ApproxTokenCounter : public TokenCounter {
 public:
  size_t Count(std::string_view text) const override;
  // The shared instance used when ChunkOptions::counter is null.
  static const ApproxTokenCounter& Default();
};

// True for code points counted one token each by ApproxTokenCounter.
bool IsCjk(uint32_t cp);

}  // namespace ragdb::rag
