// Chat answers from a local model ("local:NAME"): the same contract as the HTTP client in
// llm_client.cc (the reply's text; with on_token, each piece as it is generated), produced
// in-process by the decoder runtime (model/llm/).
#include "model/llm/generator.h"
#include "model/local_llm.h"
#include "rag/llm_client.h"

namespace ragdb::rag {

Result<std::string> LocalChatComplete(const LlmConfig& cfg,
                                      const std::vector<ChatMessage>& messages,
                                      const std::function<void(const std::string&)>& on_token) {
  std::string name;
  if (!model::ParseLocalModel(cfg.model, &name)) {
    return Status::InvalidArgument("llm: '" + cfg.model + "' is not local:NAME");
  }
  auto m = model::LoadLanguageModel(name);
  if (!m.ok()) return Status(m.status().code(), "llm: " + m.status().message());
  std::vector<model::llm::ChatTurn> turns;
  for (const auto& msg : messages) turns.push_back({msg.role, msg.content});
  model::llm::GenerateOptions o;
  o.sampling.temperature = static_cast<float>(cfg.temperature);
  o.max_tokens = cfg.max_tokens;
  if (on_token) {
    o.on_text = [&](const std::string& piece) {
      on_token(piece);
      return true;
    };
  }
  const auto prompt = (*m)->ChatPrompt(turns);
  auto r = model::llm::Generate(**m, prompt, o);
  if (!r.ok()) return Status(r.status().code(), "llm: " + r.status().message());
  return r->text;
}

}  // namespace ragdb::rag
