// OpenAI-compatible chat: POST /v1/chat/completions with model "kb:NAME" answers the last user
// message from knowledge base NAME (earlier user and assistant turns go to the LLM as context), so
// any OpenAI client (or tool built on one) gets cited answers from ragdb. The answer cites its
// sources as [n] and ends with a "Sources:" list; the same sources are in a `citations` field of
// the message and of the response (in the last chunk when streaming). Retrieval options may be sent
// in a `ragdb` object (the client's extra body), and `ragdb.llm` names an installed local model
// to answer instead of the server's LLM. Any model other than kb:NAME is a local language model
// answering the conversation itself (completions_api.cc).
#include <chrono>
#include <sstream>

#include "base/json_text.h"
#include "server/app.h"
#include "server/kb_http.h"
#include "server/openai_reply.h"

namespace ragdb::server {
namespace {}  // namespace

Result<std::string> MessageText(const Json& content) {
  if (content.is_string()) return content.get<std::string>();
  if (content.is_array()) {
    std::string out;
    for (const Json& part : content) {
      if (part.is_object() && part.value("type", "") == "text" && part.contains("text") &&
          part["text"].is_string()) {
        if (!out.empty()) out += "\n";
        out += part["text"].get<std::string>();
      }
    }
    return out;
  }
  if (content.is_null()) return std::string();
  return Status::InvalidArgument("message content must be a string or an array of parts");
}

namespace {

// At most this many earlier turns go to the LLM (the most recent ones), so that a long chat
// does not overflow its context.
constexpr size_t kMaxHistoryTurns = 16;

// The question (the last user message) and the user and assistant turns before it, which
// rag::Ask gives to the LLM and uses to retrieve short follow-ups. The client's system messages
// are left out: ragdb's own instructions (cite the sources) stand.
Status ReadConversation(const Json& body, std::string* question,
                        std::vector<rag::ConversationTurn>* history) {
  if (!body.contains("messages") || !body["messages"].is_array() || body["messages"].empty()) {
    return Status::InvalidArgument("`messages` must be a non-empty array");
  }
  const Json& messages = body["messages"];
  size_t last_user = messages.size();
  for (size_t i = 0; i < messages.size(); ++i) {
    const Json& m = messages[i];
    if (!m.is_object() || !m.contains("role") || !m["role"].is_string()) {
      return Status::InvalidArgument("each message needs a `role`");
    }
    if (m["role"] == "user") last_user = i;
  }
  if (last_user == messages.size()) {
    return Status::InvalidArgument("`messages` has no user message to answer");
  }
  RAGDB_ASSIGN_OR_RETURN(*question, MessageText(messages[last_user].value("content", Json())));
  if (question->find_first_not_of(" \t\r\n") == std::string::npos) {
    return Status::InvalidArgument("the last user message is empty");
  }
  history->clear();
  for (size_t i = 0; i < last_user; ++i) {
    const std::string role = messages[i]["role"];
    if (role != "user" && role != "assistant") continue;
    RAGDB_ASSIGN_OR_RETURN(std::string text, MessageText(messages[i].value("content", Json())));
    if (text.find_first_not_of(" \t\r\n") == std::string::npos) continue;
    history->push_back({role, std::move(text)});
  }
  if (history->size() > kMaxHistoryTurns) {
    history->erase(history->begin(), history->end() - kMaxHistoryTurns);
  }
  return Status::Ok();
}

std::string SourcesList(const rag::Answer& a) {
  if (a.citations.empty()) return "";
  std::string out = "\n\nSources:";
  for (const auto& c : a.citations) {
    out += "\n[" + std::to_string(c.n) + "] " + c.source;
    if (c.page > 0) out += " (page " + std::to_string(c.page) + ")";
  }
  return out;
}

Json CitationsJson(const rag::Answer& a) {
  Json out = Json::array();
  for (const auto& c : a.citations) out.push_back(c.ToJson());
  return out;
}

Json Usage(size_t prompt_tokens, size_t completion_tokens) {
  return {{"prompt_tokens", prompt_tokens},
          {"completion_tokens", completion_tokens},
          {"total_tokens", prompt_tokens + completion_tokens}};
}

int64_t UnixNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Pieces of an extractive answer to stream: one per sentence-ending space, so clients see the
// answer arrive in readable steps, not as one block.
std::vector<std::string> Pieces(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t i = 0; i + 1 < text.size(); ++i) {
    if ((text[i] == '.' || text[i] == ']' || text[i] == '\n') && text[i + 1] == ' ') {
      out.push_back(text.substr(start, i + 2 - start));
      start = i + 2;
    }
  }
  if (start < text.size()) out.push_back(text.substr(start));
  return out;
}

Result<Json> ChatCompletions(Ctx& ctx) {
  auto body = ctx.Body();
  if (!body.ok()) return OpenAiError(ctx, 400, body.status().message());
  const Json& b = *body;
  if (!b.contains("model") || !b["model"].is_string()) {
    return OpenAiError(ctx, 400, "you must provide a model parameter");
  }
  const std::string model = b["model"];
  // Any other name is a local language model (completions_api.cc).
  if (!model.starts_with("kb:")) return LocalChatCompletions(ctx, b);
  const std::string kb_name = model.substr(3);
  rag::AskOptions ao;
  std::string question;
  if (Status s = ReadConversation(b, &question, &ao.history); !s.ok()) {
    return OpenAiError(ctx, 400, s.message());
  }
  if (b.contains("n") && b["n"].is_number_integer() && b["n"].get<int64_t>() != 1) {
    return OpenAiError(ctx, 400, "only n = 1 is supported");
  }
  Json extra = b.value("ragdb", Json::object());
  if (!extra.is_object()) return OpenAiError(ctx, 400, "`ragdb` must be an object");
  // "llm": an installed local model answers instead of the server's configured LLM.
  std::string local_llm;
  if (extra.contains("llm")) {
    if (!extra["llm"].is_string()) return OpenAiError(ctx, 400, "ragdb: `llm` must be a string");
    auto m = ResolveLocalModel(ctx, extra["llm"].get<std::string>());
    if (!m.ok()) return OpenAiError(ctx, 404, m.status().message(), "model_not_found");
    local_llm = "local:" + (*m)->name;
    extra.erase("llm");
  }
  for (const auto& [k, v] : extra.items()) {
    if (!RetrieveFieldNames({}).count(k)) {
      return OpenAiError(ctx, 400, "ragdb: unknown field `" + k + "`");
    }
  }
  auto ro = RetrieveOptionsFromJson(extra);
  if (!ro.ok()) return OpenAiError(ctx, 400, ro.status().message());
  ao.retrieve = *ro;
  ao.llm = ctx.app.llm();
  if (!local_llm.empty()) ao.llm.model = local_llm;
  if (b.contains("temperature") && b["temperature"].is_number()) {
    ao.llm.temperature = b["temperature"].get<double>();
  }
  for (const char* key : {"max_tokens", "max_completion_tokens"}) {
    if (b.contains(key) && b[key].is_number_integer() && b[key].get<int64_t>() > 0) {
      ao.llm.max_tokens = static_cast<size_t>(b[key].get<int64_t>());
    }
  }
  auto kb = OpenKb(ctx, kb_name);
  if (!kb.ok()) {
    if (kb.status().code() == StatusCode::kNotFound) {
      return OpenAiError(ctx, 404,
                         "The model `" + model + "` does not exist: " + kb.status().message(),
                         "model_not_found");
    }
    return OpenAiError(ctx, 400, kb.status().message());
  }
  const std::string id = "chatcmpl-" + std::to_string(ctx.app.NextOperationId());
  const int64_t created = UnixNow();
  const size_t prompt_tokens = CountWords(question);

  if (!b.value("stream", false)) {
    auto a = rag::Ask(**kb, question, ao);
    if (!a.ok()) return OpenAiError(ctx, 500, a.status().message());
    std::string content = a->answer + SourcesList(*a);
    size_t completion_tokens = CountWords(content);
    Json citations = CitationsJson(*a);
    Json message = {{"role", "assistant"}, {"content", content}, {"citations", citations}};
    OpenAiReply(ctx, 200,
                Json{{"id", id},
                     {"object", "chat.completion"},
                     {"created", created},
                     {"model", model},
                     {"choices", Json::array({{{"index", 0},
                                               {"message", message},
                                               {"logprobs", nullptr},
                                               {"finish_reason", "stop"}}})},
                     {"usage", Usage(prompt_tokens, completion_tokens)},
                     {"citations", citations},
                     {"ragdb", {{"mode", a->mode}}}});
    return Json(nullptr);
  }

  bool include_usage = b.contains("stream_options") && b["stream_options"].is_object() &&
                       b["stream_options"].value("include_usage", false);
  HttpResponse r;
  r.content_type = "text/event-stream";
  r.headers.emplace_back("Cache-Control", "no-cache");
  r.stream = [kept = ctx.KeepForStream(), kb = *kb, q = question, ao, id, created, model,
              include_usage, prompt_tokens](const StreamWriter& write) {
    auto event = [](const Json& j) { return "data: " + WriteJson(j) + "\n\n"; };
    const Json head = {
        {"id", id}, {"object", "chat.completion.chunk"}, {"created", created}, {"model", model}};
    auto chunk = [&](Json delta, Json finish, Json extra_fields = Json::object()) {
      Json c = head;
      c["choices"] = Json::array({{{"index", 0},
                                   {"delta", std::move(delta)},
                                   {"logprobs", nullptr},
                                   {"finish_reason", std::move(finish)}}});
      c.update(extra_fields);
      return event(c);
    };
    if (!write(chunk({{"role", "assistant"}, {"content", ""}}, nullptr))) return;
    rag::AskOptions o = ao;
    bool streamed = false, gone = false;
    o.on_token = [&](const std::string& piece) {
      streamed = true;
      if (!gone && !write(chunk({{"content", piece}}, nullptr))) gone = true;
    };
    auto a = rag::Ask(*kb, q, o);
    if (gone) return;
    if (!a.ok()) {
      write(event(
          {{"error",
            {{"message", a.status().message()}, {"type", "server_error"}, {"code", nullptr}}}}));
      write("data: [DONE]\n\n");
      return;
    }
    // Extractive answers (and LLM answers that arrived whole) are sent in sentence steps.
    if (!streamed) {
      for (const auto& piece : Pieces(a->answer)) {
        if (!write(chunk({{"content", piece}}, nullptr))) return;
      }
    }
    std::string sources = SourcesList(*a);
    if (!sources.empty() && !write(chunk({{"content", sources}}, nullptr))) return;
    if (!write(chunk(Json::object(), "stop",
                     {{"citations", CitationsJson(*a)}, {"ragdb", {{"mode", a->mode}}}}))) {
      return;
    }
    if (include_usage) {
      size_t completion_tokens = CountWords(a->answer + sources);
      Json u = head;
      u["choices"] = Json::array();
      u["usage"] = Usage(prompt_tokens, completion_tokens);
      if (!write(event(u))) return;
    }
    write("data: [DONE]\n\n");
  };
  ctx.raw = std::move(r);
  return Json(nullptr);
}

}  // namespace

void RegisterChatRoutes(App& app) {
  app.Route("POST", "/v1/chat/completions", Access::kRead, ChatCompletions);
}

}  // namespace ragdb::server
