// A loaded language model: the decoder, its tokenizer and its chat format, opened from
//   - a .gguf file;
//   - a folder holding one .gguf file, or a llama2.c checkpoint (*.bin) with its tok*.bin
//     tokenizer (as ../shared/data/tinyllm-stories260K).
// Installed model names are resolved one layer up (model/local_llm.h).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "model/llm/chat_template.h"
#include "model/llm/decoder_model.h"
#include "model/llm/llm_tokenizer.h"
#include "ragdb/status.h"

namespace ragdb::model::llm {

struct LanguageModel {
  std::string name;  // as the user gave it
  std::string path;  // the file loaded
  std::unique_ptr<DecoderModel> decoder;
  std::unique_ptr<LlmTokenizer> tokenizer;
  ChatFormat chat_format = ChatFormat::kChatMl;

  // `name` is what the user called it (kept for messages and API replies).
  static Result<std::shared_ptr<const LanguageModel>> Load(const std::string& path,
                                                           const std::string& name);
  // The prompt tokens of a conversation in the model's chat format.
  std::vector<int32_t> ChatPrompt(const std::vector<ChatTurn>& turns) const;
};

}  // namespace ragdb::model::llm
