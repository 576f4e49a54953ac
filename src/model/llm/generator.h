// Text generation with a LanguageModel: the prompt is processed in batches, then tokens are
// sampled one at a time (or verified several at a time when a draft model proposes them),
// streamed as text, and stopped by an end-of-generation token, a stop string or max_tokens.
//
// Speculative decoding: a small draft model with the same vocabulary proposes `draft_tokens`
// tokens greedily; the target model scores all of them in one batched pass and keeps the
// longest prefix it agrees with, plus its own next token. Under greedy decoding the output is
// exactly the target model's own; it is faster when the draft is right often enough. With
// temperature > 0 the draft is not used (plain sampling), so sampled output keeps the target's
// distribution.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "model/llm/language_model.h"
#include "model/llm/sampler.h"
#include "ragdb/status.h"

namespace ragdb::model::llm {

struct GenerateOptions {
  SamplingOptions sampling;
  size_t max_tokens = 256;
  std::vector<std::string> stop;  // generation ends before the first occurrence of any
  size_t context = 0;             // DecoderState context; 0 = the model's, at most 4096
  const LanguageModel* draft = nullptr;
  size_t draft_tokens = 4;
  // The prompt starts right after BOS (SentencePiece's leading space of the first piece is
  // then dropped from the text).
  bool strip_leading_space = false;
  // Called with each piece of text as soon as it is final (whole UTF-8 characters, never a
  // part of a stop string). Returning false stops generation (the client went away).
  std::function<bool(const std::string&)> on_text;
};

struct GenerateResult {
  std::string text;
  std::vector<int32_t> tokens;  // generated ids (up to the stop)
  size_t prompt_tokens = 0;
  std::string finish_reason;  // "stop" (end token or stop string) | "length" | "cancelled"
  double prompt_ms = 0;       // processing the prompt
  double generate_ms = 0;     // everything after
  size_t draft_proposed = 0, draft_accepted = 0;
};

Result<GenerateResult> Generate(const LanguageModel& model, const std::vector<int32_t>& prompt,
                                const GenerateOptions& options);

}  // namespace ragdb::model::llm
