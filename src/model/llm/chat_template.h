// Chat formats: how a conversation becomes the prompt text a chat-tuned model was trained on.
// The format is recognized from the GGUF's tokenizer.chat_template (a Jinja template, not run
// here: its markers name the family) and falls back to ChatML, as llama.cpp does.
//   ChatML (Qwen, many others)  <|im_start|>ROLE\nTEXT<|im_end|>\n ... <|im_start|>assistant\n
//   Llama 3                     <|start_header_id|>ROLE<|end_header_id|>\n\nTEXT<|eot_id|> ...
//   Llama 2 / Mistral           [INST] <<SYS>>\nSYSTEM\n<</SYS>>\n\nUSER [/INST] ANSWER</s> ...
//   Gemma                       <start_of_turn>user\nTEXT<end_of_turn>\n<start_of_turn>model\n
#pragma once

#include <string>
#include <vector>

namespace ragdb::model::llm {

enum class ChatFormat { kChatMl, kLlama3, kLlama2, kGemma };

struct ChatTurn {
  std::string role;  // system | user | assistant
  std::string content;
};

ChatFormat DetectChatFormat(const std::string& jinja_template);
const char* ChatFormatName(ChatFormat f);

// The prompt text, ending with the opening of the assistant's turn. BOS is not included (the
// tokenizer adds it); the text holds the format's special tokens, to be tokenized with special
// parsing on.
std::string ApplyChatTemplate(ChatFormat format, const std::vector<ChatTurn>& turns);

}  // namespace ragdb::model::llm
