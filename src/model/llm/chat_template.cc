#include "model/llm/chat_template.h"

namespace ragdb::model::llm {

ChatFormat DetectChatFormat(const std::string& t) {
  if (t.find("<|start_header_id|>") != std::string::npos) return ChatFormat::kLlama3;
  if (t.find("<start_of_turn>") != std::string::npos) return ChatFormat::kGemma;
  if (t.find("<|im_start|>") != std::string::npos) return ChatFormat::kChatMl;
  if (t.find("[INST]") != std::string::npos) return ChatFormat::kLlama2;
  return ChatFormat::kChatMl;
}

const char* ChatFormatName(ChatFormat f) {
  switch (f) {
    case ChatFormat::kChatMl:
      return "chatml";
    case ChatFormat::kLlama3:
      return "llama3";
    case ChatFormat::kLlama2:
      return "llama2";
    case ChatFormat::kGemma:
      return "gemma";
  }
  return "chatml";
}

std::string ApplyChatTemplate(ChatFormat format, const std::vector<ChatTurn>& turns) {
  std::string out;
  switch (format) {
    case ChatFormat::kChatMl:
      for (const auto& t : turns)
        out += "<|im_start|>" + t.role + "\n" + t.content + "<|im_end|>\n";
      out += "<|im_start|>assistant\n";
      break;
    case ChatFormat::kLlama3:
      for (const auto& t : turns) {
        out += "<|start_header_id|>" + t.role + "<|end_header_id|>\n\n" + t.content + "<|eot_id|>";
      }
      out += "<|start_header_id|>assistant<|end_header_id|>\n\n";
      break;
    case ChatFormat::kLlama2: {
      // The system prompt goes inside the first [INST]; each answer closes with </s><s>.
      std::string system;
      bool first = true;
      for (const auto& t : turns) {
        if (t.role == "system") {
          system += (system.empty() ? "" : "\n") + t.content;
        } else if (t.role == "user") {
          if (!first) out += "<s>";
          out += "[INST] ";
          if (!system.empty()) {
            out += "<<SYS>>\n" + system + "\n<</SYS>>\n\n";
            system.clear();
          }
          out += t.content + " [/INST]";
          first = false;
        } else {
          out += " " + t.content + " </s>";
        }
      }
      break;
    }
    case ChatFormat::kGemma: {
      std::string system;
      for (const auto& t : turns) {
        if (t.role == "system") {
          system += t.content + "\n\n";
          continue;
        }
        const std::string role = t.role == "assistant" ? "model" : "user";
        out += "<start_of_turn>" + role + "\n" + (role == "user" ? system : "") + t.content +
               "<end_of_turn>\n";
        if (role == "user") system.clear();
      }
      out += "<start_of_turn>model\n";
      break;
    }
  }
  return out;
}

}  // namespace ragdb::model::llm
