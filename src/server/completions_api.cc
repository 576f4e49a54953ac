// Local language models over the OpenAI API: POST /v1/completions (text continuation) and
// POST /v1/chat/completions with the name of an installed local model (chat_api.cc hands those
// requests here), plain or streamed as server-sent events the way OpenAI clients read them.
//
// Only installed models (`ragdb model add` / `model pull`, listed by GET /v1/models) and the
// server's own local LLM (--llm local:NAME / [llm] model) can be named: a request never loads an
// arbitrary path. Sampling fields: temperature (0..2), top_p, max_tokens /
// max_completion_tokens, stop (a string or up to 4), seed, and llama.cpp's top_k, min_p,
// repeat_penalty.
#include <chrono>

#include "base/json_text.h"
#include "model/llm/generator.h"
#include "model/local_llm.h"
#include "model/model_cache.h"
#include "server/app.h"
#include "server/openai_reply.h"

namespace ragdb::server {
namespace {

int64_t UnixNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Generation runs as long as it needs; a default cap keeps a runaway request bounded.
constexpr size_t kDefaultMaxTokens = 512;

Status ReadSampling(const Json& b, model::llm::GenerateOptions* o) {
  auto number = [&](const char* key, double lo, double hi, auto* out) -> Status {
    if (!b.contains(key) || b[key].is_null()) return Status::Ok();
    if (!b[key].is_number() || b[key].get<double>() < lo || b[key].get<double>() > hi) {
      return Status::InvalidArgument("`" + std::string(key) + "` must be a number in [" +
                                     Json(lo).dump() + ", " + Json(hi).dump() + "]");
    }
    *out = static_cast<std::remove_pointer_t<decltype(out)>>(b[key].get<double>());
    return Status::Ok();
  };
  o->sampling.temperature = 1.0f;  // OpenAI's default
  o->sampling.top_p = 1.0f;
  o->sampling.min_p = 0.0f;
  o->sampling.top_k = 0;
  o->max_tokens = kDefaultMaxTokens;
  RAGDB_RETURN_IF_ERROR(number("temperature", 0, 2, &o->sampling.temperature));
  RAGDB_RETURN_IF_ERROR(number("top_p", 0, 1, &o->sampling.top_p));
  RAGDB_RETURN_IF_ERROR(number("min_p", 0, 1, &o->sampling.min_p));
  RAGDB_RETURN_IF_ERROR(number("repeat_penalty", 0.01, 10, &o->sampling.repeat_penalty));
  double top_k = 0, seed = 0, max_tokens = -1;
  RAGDB_RETURN_IF_ERROR(number("top_k", 0, 1e6, &top_k));
  RAGDB_RETURN_IF_ERROR(number("seed", 0, 9.007199254740992e15, &seed));
  o->sampling.top_k = static_cast<size_t>(top_k);
  o->sampling.seed =
      b.contains("seed") && b["seed"].is_number()
          ? static_cast<uint64_t>(seed)
          : static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
  for (const char* key : {"max_tokens", "max_completion_tokens"}) {
    RAGDB_RETURN_IF_ERROR(number(key, 1, 1 << 20, &max_tokens));
    if (max_tokens > 0) o->max_tokens = static_cast<size_t>(max_tokens);
  }
  if (o->sampling.top_p <= 0) o->sampling.top_p = 1e-6f;
  if (b.contains("stop") && !b["stop"].is_null()) {
    const Json& s = b["stop"];
    if (s.is_string()) {
      o->stop.push_back(s.get<std::string>());
    } else if (s.is_array() && s.size() <= 4) {
      for (const Json& x : s) {
        if (!x.is_string()) return Status::InvalidArgument("`stop` must hold strings");
        o->stop.push_back(x.get<std::string>());
      }
    } else {
      return Status::InvalidArgument("`stop` must be a string or an array of up to 4 strings");
    }
  }
  if (b.contains("n") && !b["n"].is_null() &&
      (!b["n"].is_number_integer() || b["n"].get<int64_t>() != 1)) {
    return Status::InvalidArgument("only n = 1 is supported");
  }
  return Status::Ok();
}

Json Usage(size_t prompt, size_t completion) {
  return {{"prompt_tokens", prompt},
          {"completion_tokens", completion},
          {"total_tokens", prompt + completion}};
}

// OpenAI's finish reasons: "stop" or "length".
std::string FinishReason(const std::string& r) { return r == "length" ? "length" : "stop"; }

struct Job {
  std::shared_ptr<const model::llm::LanguageModel> model;
  std::vector<int32_t> prompt;
  model::llm::GenerateOptions options;
  std::string id, model_id;
  int64_t created = 0;
  bool chat = false;
  bool include_usage = false;
};

// The reply: one JSON object, or a stream of chunks ending with [DONE].
Result<Json> Run(Ctx& ctx, const Json& b, std::shared_ptr<Job> job) {
  const char* object = job->chat ? "chat.completion" : "text_completion";
  if (!b.value("stream", false)) {
    auto r = model::llm::Generate(*job->model, job->prompt, job->options);
    if (!r.ok()) return OpenAiError(ctx, 400, r.status().message());
    Json choice = {
        {"index", 0}, {"logprobs", nullptr}, {"finish_reason", FinishReason(r->finish_reason)}};
    if (job->chat) {
      choice["message"] = {{"role", "assistant"}, {"content", r->text}};
    } else {
      choice["text"] = r->text;
    }
    OpenAiReply(ctx, 200,
                Json{{"id", job->id},
                     {"object", object},
                     {"created", job->created},
                     {"model", job->model_id},
                     {"choices", Json::array({choice})},
                     {"usage", Usage(r->prompt_tokens, r->tokens.size())}});
    return Json(nullptr);
  }
  job->include_usage = b.contains("stream_options") && b["stream_options"].is_object() &&
                       b["stream_options"].value("include_usage", false);
  HttpResponse resp;
  resp.content_type = "text/event-stream";
  resp.headers.emplace_back("Cache-Control", "no-cache");
  resp.stream = [kept = ctx.KeepForStream(), job](const StreamWriter& write) {
    const std::string object = job->chat ? "chat.completion.chunk" : "text_completion";
    auto event = [](const Json& j) { return "data: " + WriteJson(j) + "\n\n"; };
    auto chunk = [&](const std::string& text, Json finish) {
      Json c = {
          {"id", job->id}, {"object", object}, {"created", job->created}, {"model", job->model_id}};
      Json choice = {{"index", 0}, {"logprobs", nullptr}, {"finish_reason", std::move(finish)}};
      if (job->chat) {
        choice["delta"] = {{"content", text}};
      } else {
        choice["text"] = text;
      }
      c["choices"] = Json::array({choice});
      return event(c);
    };
    if (job->chat) {
      Json first = {{"id", job->id},
                    {"object", object},
                    {"created", job->created},
                    {"model", job->model_id},
                    {"choices", Json::array({{{"index", 0},
                                              {"delta", {{"role", "assistant"}, {"content", ""}}},
                                              {"logprobs", nullptr},
                                              {"finish_reason", nullptr}}})}};
      if (!write(event(first))) return;
    }
    model::llm::GenerateOptions o = job->options;
    o.on_text = [&](const std::string& piece) { return write(chunk(piece, nullptr)); };
    auto r = model::llm::Generate(*job->model, job->prompt, o);
    if (!r.ok()) {
      write(event(
          {{"error",
            {{"message", r.status().message()}, {"type", "server_error"}, {"code", nullptr}}}}));
      write("data: [DONE]\n\n");
      return;
    }
    if (r->finish_reason == "cancelled") return;  // the client went away
    Json last = {
        {"id", job->id}, {"object", object}, {"created", job->created}, {"model", job->model_id}};
    Json choice = {
        {"index", 0}, {"logprobs", nullptr}, {"finish_reason", FinishReason(r->finish_reason)}};
    if (job->chat) {
      choice["delta"] = Json::object();
    } else {
      choice["text"] = "";
    }
    last["choices"] = Json::array({choice});
    if (!write(event(last))) return;
    if (job->include_usage) {
      Json u = {{"id", job->id},
                {"object", object},
                {"created", job->created},
                {"model", job->model_id},
                {"choices", Json::array()},
                {"usage", Usage(r->prompt_tokens, r->tokens.size())}};
      if (!write(event(u))) return;
    }
    write("data: [DONE]\n\n");
  };
  ctx.raw = std::move(resp);
  return Json(nullptr);
}

Result<Json> Completions(Ctx& ctx) {
  auto body = ctx.Body();
  if (!body.ok()) return OpenAiError(ctx, 400, body.status().message());
  const Json& b = *body;
  if (!b.contains("model") || !b["model"].is_string()) {
    return OpenAiError(ctx, 400, "you must provide a model parameter");
  }
  auto model = ResolveLocalModel(ctx, b["model"].get<std::string>());
  if (!model.ok()) return OpenAiError(ctx, 404, model.status().message(), "model_not_found");
  std::string prompt;
  if (b.contains("prompt") && b["prompt"].is_string()) {
    prompt = b["prompt"].get<std::string>();
  } else if (b.contains("prompt") && b["prompt"].is_array() && b["prompt"].size() == 1 &&
             b["prompt"][0].is_string()) {
    prompt = b["prompt"][0].get<std::string>();
  } else if (b.contains("prompt")) {
    return OpenAiError(ctx, 400, "`prompt` must be a string (one prompt per request)");
  }
  if (b.value("echo", false)) return OpenAiError(ctx, 400, "`echo` is not supported");
  for (const char* key : {"suffix", "best_of", "logprobs"}) {
    if (b.contains(key) && !b[key].is_null() && !(b[key].is_boolean() && !b[key].get<bool>())) {
      return OpenAiError(ctx, 400, "`" + std::string(key) + "` is not supported");
    }
  }
  auto job = std::make_shared<Job>();
  job->model = *model;
  job->model_id = b["model"].get<std::string>();
  if (Status s = ReadSampling(b, &job->options); !s.ok()) {
    return OpenAiError(ctx, 400, s.message());
  }
  if (!b.contains("max_tokens")) job->options.max_tokens = 16;  // OpenAI's default here
  job->prompt = job->model->tokenizer->Encode(prompt, job->model->tokenizer->adds_bos(), false);
  job->options.strip_leading_space = prompt.empty();
  if (job->prompt.empty())
    return OpenAiError(ctx, 400, "`prompt` is empty and this model has no BOS");
  job->id = "cmpl-" + std::to_string(ctx.app.NextOperationId());
  job->created = UnixNow();
  return Run(ctx, b, job);
}

}  // namespace

Result<std::shared_ptr<const model::llm::LanguageModel>> ResolveLocalModel(
    Ctx& ctx, const std::string& requested) {
  std::string name = requested;
  model::ParseLocalModel(requested, &name);
  std::string configured;
  const bool has_configured = model::ParseLocalModel(ctx.app.llm().model, &configured);
  if ((has_configured && name == configured) ||
      (model::ValidateModelName(name).ok() && !model::FindInstalledModel(name).empty() &&
       model::ModelFolderKind(model::FindInstalledModel(name)) != "hf")) {
    return model::LoadLanguageModel(name);
  }
  return Status::NotFound("The model `" + requested +
                          "` does not exist: name an installed local model (GET /v1/models), "
                          "or kb:NAME for a knowledge base");
}

Result<Json> LocalChatCompletions(Ctx& ctx, const Json& b) {
  const std::string model_id = b["model"].get<std::string>();
  auto model = ResolveLocalModel(ctx, model_id);
  if (!model.ok()) return OpenAiError(ctx, 404, model.status().message(), "model_not_found");
  if (!b.contains("messages") || !b["messages"].is_array() || b["messages"].empty()) {
    return OpenAiError(ctx, 400, "`messages` must be a non-empty array");
  }
  std::vector<model::llm::ChatTurn> turns;
  for (const Json& m : b["messages"]) {
    if (!m.is_object() || !m.contains("role") || !m["role"].is_string()) {
      return OpenAiError(ctx, 400, "each message needs a `role`");
    }
    const std::string role = m["role"];
    if (role != "system" && role != "user" && role != "assistant" && role != "developer") {
      return OpenAiError(ctx, 400, "unsupported message role `" + role + "`");
    }
    auto text = MessageText(m.value("content", Json()));
    if (!text.ok()) return OpenAiError(ctx, 400, text.status().message());
    turns.push_back({role == "developer" ? "system" : role, *text});
  }
  auto job = std::make_shared<Job>();
  job->model = *model;
  job->model_id = model_id;
  job->chat = true;
  if (Status s = ReadSampling(b, &job->options); !s.ok()) {
    return OpenAiError(ctx, 400, s.message());
  }
  job->prompt = job->model->ChatPrompt(turns);
  job->id = "chatcmpl-" + std::to_string(ctx.app.NextOperationId());
  job->created = UnixNow();
  return Run(ctx, b, job);
}

void RegisterCompletionRoutes(App& app) {
  app.Route("POST", "/v1/completions", Access::kRead, Completions);
}

}  // namespace ragdb::server
