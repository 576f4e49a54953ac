// A minimal client for OpenAI-compatible chat endpoints (POST {base_url}/chat/completions),
// plain or streaming (server-sent events), over http:// or https:// (Boost.Beast + OpenSSL).
//
// Errors say what went wrong and where: Unavailable for a refused connection or a non-200 reply
// (with the server's error message), DeadlineExceeded when no byte arrives within the timeout,
// Internal for a reply that is not the expected JSON. Nothing is retried.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "ragdb/rag.h"
#include "ragdb/status.h"

namespace ragdb::rag {

struct ChatMessage {
  std::string role;  // system | user | assistant
  std::string content;
};

// The assistant's reply. With `on_token`, asks for a streamed reply and calls it with each piece
// of text as it arrives; the return value is then the concatenation. A config whose model is
// "local:NAME" is answered by LocalChatComplete instead of over HTTP.
Result<std::string> ChatComplete(const LlmConfig& config, const std::vector<ChatMessage>& messages,
                                 const std::function<void(const std::string&)>& on_token = {});

// The same from a local language model (local_chat.cc): NAME is an installed model, a .gguf
// file or a model folder (model/local_llm.h), loaded once per process; the conversation goes
// through the model's chat format; temperature and max_tokens come from `config`.
Result<std::string> LocalChatComplete(const LlmConfig& config,
                                      const std::vector<ChatMessage>& messages,
                                      const std::function<void(const std::string&)>& on_token);

// Parsed pieces of a base URL.
struct ParsedUrl {
  bool https = false;
  std::string host;
  std::string port;
  std::string path;  // no trailing '/'
};
Result<ParsedUrl> ParseBaseUrl(const std::string& url);

}  // namespace ragdb::rag
