// `ragdb generate`: text from a local language model, streamed to stdout as it is generated.
#include <cstdio>
#include <iostream>

#include "model/cli_commands.h"
#include "model/llm/decoder_state.h"
#include "model/llm/generator.h"
#include "model/local_llm.h"

namespace ragdb {
namespace {

constexpr char kGenerateUsage[] =
    "usage: ragdb generate --model NAME|FILE.gguf|DIR [--temperature T] [--max-tokens N]\n"
    "         [--top-k K] [--top-p P] [--min-p P] [--repeat-penalty R] [--seed S] [--stop S]...\n"
    "         [--chat] [--system TEXT] [--draft NAME|FILE|DIR] [--draft-tokens N] [--context N]\n"
    "         [--threads N] [--stats] \"prompt\"";

int Usage(const std::string& why) {
  std::cerr << "ragdb: " << why << "\n" << kGenerateUsage << "\n";
  return 2;
}

template <class T>
bool ParseNumber(const std::string& s, T* out) {
  try {
    size_t used = 0;
    if constexpr (std::is_floating_point_v<T>) {
      double v = std::stod(s, &used);
      *out = static_cast<T>(v);
    } else {
      long long v = std::stoll(s, &used);
      if (v < 0) return false;
      *out = static_cast<T>(v);
    }
    return used == s.size();
  } catch (...) {
    return false;
  }
}

}  // namespace

int RunGenerateCommand(const std::vector<std::string>& args) {
  std::string model_spec, draft_spec, system;
  model::llm::GenerateOptions o;
  o.sampling.temperature = 0.8f;
  bool chat = false, stats = false, have_prompt = false, options_done = false;
  std::string prompt;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (options_done || !a.starts_with("--")) {
      if (have_prompt) return Usage("one prompt only (quote it)");
      prompt = a;
      have_prompt = true;
      continue;
    }
    if (a == "--") {
      options_done = true;
      continue;
    }
    if (a == "--chat") {
      chat = true;
      continue;
    }
    if (a == "--stats") {
      stats = true;
      continue;
    }
    if (i + 1 >= args.size()) return Usage(a + " needs a value");
    const std::string& v = args[++i];
    bool ok = true;
    if (a == "--model")
      model_spec = v;
    else if (a == "--draft")
      draft_spec = v;
    else if (a == "--system")
      system = v;
    else if (a == "--stop")
      o.stop.push_back(v);
    else if (a == "--temperature")
      ok = ParseNumber(v, &o.sampling.temperature) && o.sampling.temperature >= 0;
    else if (a == "--max-tokens")
      ok = ParseNumber(v, &o.max_tokens);
    else if (a == "--top-k")
      ok = ParseNumber(v, &o.sampling.top_k);
    else if (a == "--top-p")
      ok = ParseNumber(v, &o.sampling.top_p) && o.sampling.top_p > 0 && o.sampling.top_p <= 1;
    else if (a == "--min-p")
      ok = ParseNumber(v, &o.sampling.min_p) && o.sampling.min_p >= 0 && o.sampling.min_p <= 1;
    else if (a == "--repeat-penalty")
      ok = ParseNumber(v, &o.sampling.repeat_penalty) && o.sampling.repeat_penalty > 0;
    else if (a == "--seed")
      ok = ParseNumber(v, &o.sampling.seed);
    else if (a == "--draft-tokens")
      ok = ParseNumber(v, &o.draft_tokens) && o.draft_tokens >= 1 && o.draft_tokens <= 32;
    else if (a == "--context")
      ok = ParseNumber(v, &o.context);
    else if (a == "--threads") {
      size_t threads = 0;
      ok = ParseNumber(v, &threads) && threads >= 1 && threads <= 256;
      if (ok) model::llm::SetDecoderThreads(threads);
    } else
      return Usage("unknown option " + a);
    if (!ok) return Usage("bad value for " + a + ": '" + v + "'");
  }
  if (model_spec.empty()) return Usage("--model is required");
  if (!have_prompt) return Usage("no prompt (give \"\" to start from BOS)");
  auto m = model::LoadLanguageModel(model_spec);
  if (!m.ok()) {
    std::cerr << "ragdb: " << m.status().message() << "\n";
    return 1;
  }
  const model::llm::LanguageModel& lm = **m;
  std::shared_ptr<const model::llm::LanguageModel> draft;
  if (!draft_spec.empty()) {
    auto d = model::LoadLanguageModel(draft_spec);
    if (!d.ok()) {
      std::cerr << "ragdb: draft: " << d.status().message() << "\n";
      return 1;
    }
    draft = *d;
    o.draft = draft.get();
  }
  std::vector<int32_t> tokens;
  if (chat) {
    std::vector<model::llm::ChatTurn> turns;
    if (!system.empty()) turns.push_back({"system", system});
    turns.push_back({"user", prompt});
    tokens = lm.ChatPrompt(turns);
  } else {
    tokens = lm.tokenizer->Encode(prompt, lm.tokenizer->adds_bos(), false);
    o.strip_leading_space = prompt.empty();
  }
  o.on_text = [](const std::string& piece) {
    std::fwrite(piece.data(), 1, piece.size(), stdout);
    std::fflush(stdout);
    return true;
  };
  auto r = model::llm::Generate(lm, tokens, o);
  if (!r.ok()) {
    std::cerr << "ragdb: " << r.status().message() << "\n";
    return 1;
  }
  std::fputs("\n", stdout);
  std::fflush(stdout);
  if (stats) {
    std::fprintf(stderr,
                 "prompt: %zu tokens in %.1f ms (%.1f tokens/s); generated: %zu tokens in %.1f "
                 "ms (%.1f tokens/s); finish: %s",
                 r->prompt_tokens, r->prompt_ms,
                 r->prompt_tokens * 1000.0 / std::max(1e-9, r->prompt_ms), r->tokens.size(),
                 r->generate_ms, r->tokens.size() * 1000.0 / std::max(1e-9, r->generate_ms),
                 r->finish_reason.c_str());
    if (o.draft) {
      std::fprintf(stderr, "; draft accepted %zu of %zu", r->draft_accepted, r->draft_proposed);
    }
    std::fputs("\n", stderr);
  }
  return 0;
}

}  // namespace ragdb
