// OpenAI-shaped bodies and errors, shared by the OpenAI-compatible endpoints (openai_api.cc,
// chat_api.cc): those clients parse OpenAI's shapes, not the Qdrant envelope.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "model/llm/language_model.h"
#include "server/app.h"

namespace ragdb::server {

// Answers `body` as it is, with `status`.
void OpenAiReply(Ctx& ctx, int status, const Json& body);
// {"error": {"message", "type": "invalid_request_error", "param", "code"}}; returns what a
// handler returns after setting ctx.raw.
Result<Json> OpenAiError(Ctx& ctx, int status, const std::string& message,
                         const std::string& code = std::string());
// Whitespace-separated words, for the `usage` fields: the endpoints have no tokenizer of the
// client's model, so usage is an estimate (clients use it for accounting only).
size_t CountWords(std::string_view s);

// The text of a chat message's content: a string, or an array of parts of which the text parts
// count (chat_api.cc).
Result<std::string> MessageText(const Json& content);

// completions_api.cc: the local model a request names ("NAME" or "local:NAME"): an installed
// GGUF / llama2.c model, or the server's configured local LLM; NotFound otherwise.
Result<std::shared_ptr<const model::llm::LanguageModel>> ResolveLocalModel(
    Ctx& ctx, const std::string& requested);
// POST /v1/chat/completions for a local model (no knowledge base).
Result<Json> LocalChatCompletions(Ctx& ctx, const Json& body);

}  // namespace ragdb::server
