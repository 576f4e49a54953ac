// OpenAI-shaped bodies and errors, shared by the OpenAI-compatible endpoints (openai_api.cc,
// chat_api.cc): those clients parse OpenAI's shapes, not the Qdrant envelope.
#pragma once

#include <string>
#include <string_view>

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

}  // namespace ragdb::server
