#include "model/llm/generator.h"

#include <algorithm>
#include <chrono>

#include "model/llm/decoder_state.h"

namespace ragdb::model::llm {
namespace {

using Clock = std::chrono::steady_clock;
double MsSince(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

// Turns generated tokens into streamed text: whole UTF-8 characters only, and text that could
// still become a stop string held back until it cannot.
class TextOutput {
 public:
  TextOutput(const LanguageModel& m, const GenerateOptions& o) : m_(m), o_(o) {}

  // Adds a token; false when generation must end (a stop string appeared, or the callback said
  // stop; `reason` says which).
  bool Add(int32_t id, std::string* reason) {
    std::string piece = m_.tokenizer->Piece(id);
    if (first_ && o_.strip_leading_space && m_.tokenizer->strips_leading_space() &&
        !piece.empty() && piece[0] == ' ') {
      piece.erase(0, 1);
    }
    first_ = false;
    pending_ += utf8_.Push(piece);
    return Release(false, reason);
  }
  // End of generation: everything held back goes out.
  void Finish() {
    std::string reason;
    pending_ += utf8_.Flush();
    Release(true, &reason);
  }
  const std::string& text() const { return text_; }
  bool stopped_by_string() const { return stopped_; }

 private:
  bool Release(bool final, std::string* reason) {
    if (stopped_) return false;
    size_t cut = std::string::npos;
    for (const auto& s : o_.stop) {
      if (s.empty()) continue;
      size_t at = pending_.find(s);
      if (at != std::string::npos) cut = std::min(cut, at);
    }
    if (cut != std::string::npos) {
      pending_.resize(cut);
      stopped_ = true;
      *reason = "stop";
      Emit(pending_);
      pending_.clear();
      return false;
    }
    size_t keep = 0;
    if (!final) {
      // The longest tail of pending_ that begins some stop string.
      for (const auto& s : o_.stop) {
        for (size_t k = std::min(s.size() - 1, pending_.size()); k > keep; --k) {
          if (pending_.compare(pending_.size() - k, k, s, 0, k) == 0) {
            keep = k;
            break;
          }
        }
      }
    }
    std::string ready = pending_.substr(0, pending_.size() - keep);
    pending_.erase(0, pending_.size() - keep);
    if (!Emit(ready)) {
      *reason = "cancelled";
      return false;
    }
    return true;
  }
  bool Emit(const std::string& s) {
    if (s.empty()) return true;
    text_ += s;
    return !o_.on_text || o_.on_text(s);
  }

  const LanguageModel& m_;
  const GenerateOptions& o_;
  Utf8Stream utf8_;
  std::string pending_, text_;
  bool first_ = true;
  bool stopped_ = false;
};

}  // namespace

Result<GenerateResult> Generate(const LanguageModel& model, const std::vector<int32_t>& prompt,
                                const GenerateOptions& o) {
  if (prompt.empty()) {
    return Status::InvalidArgument("the prompt has no tokens (this model adds no BOS)");
  }
  const bool use_draft = o.draft != nullptr && o.sampling.temperature <= 0 && o.draft_tokens > 0;
  if (use_draft && o.draft->decoder->config().vocab != model.decoder->config().vocab) {
    return Status::InvalidArgument("the draft model's vocabulary (" +
                                   std::to_string(o.draft->decoder->config().vocab) +
                                   " tokens) differs from the model's (" +
                                   std::to_string(model.decoder->config().vocab) + ")");
  }
  const size_t vocab = model.decoder->config().vocab;
  GenerateResult r;
  r.prompt_tokens = prompt.size();
  DecoderState state(*model.decoder, o.context);
  if (prompt.size() >= state.context()) {
    return Status::InvalidArgument("the prompt has " + std::to_string(prompt.size()) +
                                   " tokens; the context holds " + std::to_string(state.context()));
  }
  Sampler sampler(o.sampling);
  TextOutput out(model, o);
  std::vector<int32_t> history = prompt;
  std::vector<float> logits;
  auto start = Clock::now();
  RAGDB_RETURN_IF_ERROR(state.Forward(prompt, ForwardOutput::kLastLogits, &logits));
  std::unique_ptr<DecoderState> draft;
  std::vector<float> draft_logits;
  if (use_draft) {
    // Verification batches must compute what single tokens would.
    state.set_gemm_batches(false);
    draft = std::make_unique<DecoderState>(*o.draft->decoder, state.context());
    RAGDB_RETURN_IF_ERROR(draft->Forward(prompt, ForwardOutput::kLastLogits, &draft_logits));
  }
  r.prompt_ms = MsSince(start);
  start = Clock::now();
  int32_t next = sampler.Sample(logits.data(), vocab, history);
  std::string reason;
  // Emits `id`; false when generation ends with it.
  auto emit = [&](int32_t id) {
    if (model.tokenizer->IsEndOfGeneration(id)) {
      r.finish_reason = "stop";
      return false;
    }
    r.tokens.push_back(id);
    history.push_back(id);
    if (!out.Add(id, &reason)) {
      r.finish_reason = reason;
      return false;
    }
    if (r.tokens.size() >= o.max_tokens) {
      r.finish_reason = "length";
      return false;
    }
    if (state.position() + 1 >= state.context()) {
      r.finish_reason = "length";
      return false;
    }
    return true;
  };
  if (o.max_tokens == 0) {
    r.finish_reason = "length";
  } else if (!use_draft) {
    while (emit(next)) {
      RAGDB_RETURN_IF_ERROR(state.Forward({&next, 1}, ForwardOutput::kLastLogits, &logits));
      next = sampler.Sample(logits.data(), vocab, history);
    }
  } else {
    // `next` is the target's token, not yet in either cache. Tokens accepted last round that
    // the draft has not run yet wait in `draft_backlog`.
    std::vector<int32_t> draft_backlog;
    bool go = emit(next);
    while (go) {
      const size_t base = state.position();  // `next` will sit here
      const size_t room = state.context() - base - 1;
      const size_t k = std::min({o.draft_tokens, room, o.max_tokens - r.tokens.size()});
      if (k == 0) {  // emit() stops at the context's end and at max_tokens; a guard all the same
        r.finish_reason = "length";
        break;
      }
      // Draft proposals, greedily.
      std::vector<int32_t> proposal;
      draft_backlog.push_back(next);
      for (size_t i = 0; i < k; ++i) {
        RAGDB_RETURN_IF_ERROR(
            draft->Forward(draft_backlog, ForwardOutput::kLastLogits, &draft_logits));
        draft_backlog.clear();
        int32_t d = Sampler::Argmax(draft_logits.data(), vocab);
        proposal.push_back(d);
        draft_backlog.push_back(d);
      }
      // The target scores `next` and every proposal in one pass.
      std::vector<int32_t> batch = {next};
      batch.insert(batch.end(), proposal.begin(), proposal.end());
      RAGDB_RETURN_IF_ERROR(state.Forward(batch, ForwardOutput::kAllLogits, &logits));
      r.draft_proposed += proposal.size();
      size_t accepted = 0;
      int32_t choice = 0;
      for (size_t i = 0; i <= proposal.size(); ++i) {
        choice = sampler.Sample(logits.data() + i * vocab, vocab, history);
        if (i == proposal.size() || choice != proposal[i]) break;
        ++accepted;
        ++r.draft_accepted;
        if (!(go = emit(choice))) break;
      }
      // Drop what the target cached past the accepted tokens.
      state.Truncate(base + 1 + accepted);
      if (!go) break;
      // The draft ran next and proposal[0..k-2]; keep what was accepted.
      if (accepted == proposal.size() && !proposal.empty()) {
        draft->Truncate(base + accepted);
        draft_backlog = {proposal.back()};
      } else {
        draft->Truncate(base + 1 + accepted);
        draft_backlog.clear();
      }
      next = choice;
      go = emit(next);
    }
  }
  out.Finish();
  r.text = out.text();
  if (r.finish_reason.empty()) r.finish_reason = "stop";
  r.generate_ms = MsSince(start);
  return r;
}

}  // namespace ragdb::model::llm
