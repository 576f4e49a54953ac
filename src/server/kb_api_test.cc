// Knowledge bases over HTTP: /ragdb/kb, /v1/chat/completions (model kb:NAME) and MCP at /mcp,
// against a real server on loopback. The LLM path uses a fake OpenAI-compatible endpoint served
// by the same transport (streamed with server-sent events).
#include <gtest/gtest.h>

#include <regex>
#include <set>

#include "model/model_add.h"
#include "server/app.h"
#include "server/http_server.h"
#include "server/test_client.h"
#include "server/test_server.h"

namespace ragdb::server {
namespace {

using testing::Reply;
using Headers = std::vector<std::pair<std::string, std::string>>;

const char* kParis =
    "# Geography\n\nParis is the capital of France. It lies on the Seine river.\n\n"
    "## Food\n\nCroissants are a French pastry made with butter.\n";
const char* kRust =
    "Rust is a systems programming language. Its borrow checker prevents data races.\n";

// The server-sent events of a body: (event, data) pairs; event is "" for data-only events.
std::vector<std::pair<std::string, std::string>> SseEvents(const std::string& body) {
  std::vector<std::pair<std::string, std::string>> out;
  size_t pos = 0;
  while (pos < body.size()) {
    size_t end = body.find("\n\n", pos);
    if (end == std::string::npos) break;
    std::string event, data;
    std::string block = body.substr(pos, end - pos);
    size_t line_start = 0;
    while (line_start <= block.size()) {
      size_t eol = block.find('\n', line_start);
      std::string line =
          block.substr(line_start, eol == std::string::npos ? eol : eol - line_start);
      if (line.rfind("event: ", 0) == 0) event = line.substr(7);
      if (line.rfind("data: ", 0) == 0) data += line.substr(6);
      if (eol == std::string::npos) break;
      line_start = eol + 1;
    }
    out.emplace_back(event, data);
    pos = end + 2;
  }
  return out;
}

// Every [n] in `text` names one of `citations`.
void ExpectCitationsResolve(const std::string& text, const Json& citations) {
  std::set<int> ns;
  for (const auto& c : citations) ns.insert(c["n"].get<int>());
  std::regex marker("\\[(\\d+)\\]");
  int found = 0;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), marker);
       it != std::sregex_iterator(); ++it) {
    EXPECT_TRUE(ns.count(std::stoi((*it)[1].str()))) << (*it)[0].str() << " in " << text;
    ++found;
  }
  EXPECT_GT(found, 0) << "no citation marker in: " << text;
}

class KbApiTest : public ::testing::Test {
 protected:
  void SetUp() override { setenv("RAGDB_MODEL_CACHE", (dir_ + "/models").c_str(), 1); }
  void Start(ServerConfig config = {}, rag::LlmConfig llm = {}) {
    config.http.io_threads = 1;
    config.http.worker_threads = 4;
    auto s = testing::TestServer::Start(dir_, config, llm);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    server_ = std::move(s).value();
  }
  void TearDown() override {
    server_.reset();
    if (llm_) llm_->Shutdown();
    unsetenv("RAGDB_MODEL_CACHE");
  }
  Reply Call(const std::string& method, const std::string& target, const Json& body = nullptr,
             Headers headers = {}) {
    return testing::Http(server_->port(), method, target, body.is_null() ? "" : body.dump(),
                         headers);
  }
  void Ingest(const std::string& kb, const std::string& source, const std::string& text) {
    Reply r = Call("POST", "/ragdb/kb/" + kb + "/documents", {{"source", source}, {"text", text}});
    ASSERT_EQ(r.status, 200) << r.body;
  }
  // A fake OpenAI-compatible LLM: answers "Paris is the capital [1]. Also [7]." (the [7] cites
  // nothing and must be dropped), streamed in three pieces when asked to stream.
  rag::LlmConfig StartFakeLlm() {
    HttpServerOptions o;
    o.port = 0;
    o.access_log = false;
    auto s = HttpServer::Start(o, [this](const HttpRequest& r) {
      Json body = Json::parse(r.body, nullptr, false);
      last_llm_request_ = body;
      HttpResponse out;
      if (!body.value("stream", false)) {
        out.body =
            Json{
                {"choices",
                 {{{"message",
                    {{"role", "assistant"}, {"content", "Paris is the capital [1]. Also [7]."}}}}}}}
                .dump();
        return out;
      }
      out.content_type = "text/event-stream";
      out.stream = [](const StreamWriter& write) {
        for (const char* piece : {"Paris is ", "the capital [1].", " Also [7]."}) {
          Json c = {{"choices", {{{"delta", {{"content", piece}}}}}}};
          write("data: " + c.dump() + "\n\n");
        }
        write("data: [DONE]\n\n");
      };
      return out;
    });
    EXPECT_TRUE(s.ok());
    llm_ = std::move(s).value();
    rag::LlmConfig cfg;
    cfg.base_url = "http://127.0.0.1:" + std::to_string(llm_->port()) + "/v1";
    cfg.model = "fake";
    cfg.timeout_ms = 5000;
    return cfg;
  }

  testing::TestDir dir{"ragdb_kbapi"};
  const std::string& dir_ = dir.path();
  std::unique_ptr<testing::TestServer> server_;
  std::unique_ptr<HttpServer> llm_;
  Json last_llm_request_;
};

TEST_F(KbApiTest, CreateListDescribeDrop) {
  Start();
  Reply c = Call("POST", "/ragdb/kb", {{"name", "docs"}, {"chunk_size", 200}, {"overlap", 20}});
  ASSERT_EQ(c.status, 200) << c.body;
  EXPECT_EQ(c.json()["status"], "ok");
  EXPECT_EQ(c.json()["result"]["name"], "docs");
  EXPECT_EQ(c.json()["result"]["options"]["chunk_size"], 200);

  EXPECT_EQ(Call("POST", "/ragdb/kb", {{"name", "docs"}}).status, 409);
  EXPECT_EQ(Call("POST", "/ragdb/kb", {{"name", "bad name!"}}).status, 400);
  Reply unknown = Call("POST", "/ragdb/kb", {{"name", "x"}, {"chunksize", 5}});
  EXPECT_EQ(unknown.status, 400);
  EXPECT_NE(unknown.body.find("chunksize"), std::string::npos);
  // A folder on the server is not a model a client may name.
  Reply folder = Call("POST", "/ragdb/kb", {{"name", "x"}, {"embedder", "/etc"}});
  EXPECT_EQ(folder.status, 400) << folder.body;
  EXPECT_EQ(Call("POST", "/ragdb/kb", {{"name", "x"}, {"overlap", 900}}).status, 400);

  Reply list = Call("GET", "/ragdb/kb");
  ASSERT_EQ(list.status, 200);
  ASSERT_EQ(list.json()["result"]["knowledge_bases"].size(), 1u);
  EXPECT_EQ(list.json()["result"]["knowledge_bases"][0]["name"], "docs");

  EXPECT_EQ(Call("GET", "/ragdb/kb/docs").json()["result"]["documents"], 0);
  EXPECT_EQ(Call("GET", "/ragdb/kb/nope").status, 404);
  EXPECT_EQ(Call("DELETE", "/ragdb/kb/docs").status, 200);
  EXPECT_EQ(Call("GET", "/ragdb/kb/docs").status, 404);
  EXPECT_EQ(Call("DELETE", "/ragdb/kb/docs").status, 404);
}

// A knowledge base with a learned sparse embedder (an installed SPLADE model): created by name,
// searched alone with mode "sparse" and fused with a "sparse" weight.
TEST_F(KbApiTest, SparseEmbedderAddsALearnedSparseLeg) {
  const char* root = std::getenv("RAGDB_SOURCE_DIR");
  auto added = model::AddLocalModel(
      "tiny-splade", std::string(root ? root : ".") + "/tests/fixtures/models/bert_tiny_splade");
  ASSERT_TRUE(added.ok()) << added.status().ToString();
  Start();
  Reply bad = Call("POST", "/ragdb/kb", {{"name", "x"}, {"sparse_embedder", "tiny-splade"}});
  EXPECT_EQ(bad.status, 400) << bad.body;
  EXPECT_NE(bad.body.find("bge-m3-sparse:MODEL"), std::string::npos) << bad.body;
  bad = Call("POST", "/ragdb/kb", {{"name", "x"}, {"sparse_embedder", "splade:/etc"}});
  EXPECT_EQ(bad.status, 400) << bad.body;
  Reply c =
      Call("POST", "/ragdb/kb",
           {{"name", "lex"}, {"embedder", "hash"}, {"sparse_embedder", "splade:tiny-splade"}});
  ASSERT_EQ(c.status, 200) << c.body;
  EXPECT_NE(c.json()["result"]["options"]["sparse_embedder"].get<std::string>().find("splade:"),
            std::string::npos);
  const std::vector<std::pair<std::string, std::string>> docs = {
      {"fox.txt", "the quick brown fox"},
      {"bank.txt", "river bank money"},
      {"dog.txt", "lazy dog jumps over"}};
  for (const auto& [source, text] : docs) Ingest("lex", source, text);
  // The model's own ranking: dot products of its vectors (random weights: not by meaning).
  auto model = SparseEmbedder::Load("splade:tiny-splade");
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  std::vector<std::string> texts = {"quick fox"};
  for (const auto& d : docs) texts.push_back(d.second);
  auto vecs = (*model)->Embed(texts);
  ASSERT_TRUE(vecs.ok());
  std::vector<std::pair<double, std::string>> want;
  for (size_t d = 0; d < docs.size(); ++d) {
    double s = 0;
    for (size_t i = 0; i < (*vecs)[0].indices.size(); ++i) {
      for (size_t j = 0; j < (*vecs)[d + 1].indices.size(); ++j) {
        if ((*vecs)[0].indices[i] == (*vecs)[d + 1].indices[j]) {
          s += double((*vecs)[0].values[i]) * (*vecs)[d + 1].values[j];
        }
      }
    }
    want.push_back({s, docs[d].first});
  }
  std::sort(want.rbegin(), want.rend());
  Json q = {{"query", "quick fox"}, {"mode", "sparse"}, {"k", 3}, {"merge_neighbors", false}};
  Reply r = Call("POST", "/ragdb/kb/lex/retrieve", q);
  ASSERT_EQ(r.status, 200) << r.body;
  const Json chunks = r.json()["result"]["chunks"];
  ASSERT_EQ(chunks.size(), want.size()) << r.body;
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(chunks[i]["source"], want[i].second) << i;
    EXPECT_NEAR(chunks[i]["score"].get<double>(), want[i].first, 1e-3 * (1 + want[i].first));
  }
  q["mode"] = "hybrid";
  q["weights"] = {{"dense", 0}, {"bm25", 0}, {"sparse", 1}};
  Reply h = Call("POST", "/ragdb/kb/lex/retrieve", q);
  ASSERT_EQ(h.status, 200) << h.body;
  const Json fused = h.json()["result"]["chunks"];
  ASSERT_EQ(fused.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) EXPECT_EQ(fused[i]["source"], want[i].second) << i;
  q["weights"] = {{"dense", 0}, {"bm25", 0}, {"sparse", 0}};
  EXPECT_EQ(Call("POST", "/ragdb/kb/lex/retrieve", q).status, 400);
  q["weights"] = {{"splade", 1}};
  Reply unknown = Call("POST", "/ragdb/kb/lex/retrieve", q);
  EXPECT_EQ(unknown.status, 400);
  EXPECT_NE(unknown.body.find("expected dense, bm25, sparse"), std::string::npos);
  // A knowledge base without one has no sparse mode.
  ASSERT_EQ(Call("POST", "/ragdb/kb", {{"name", "plain"}, {"embedder", "hash"}}).status, 200);
  Reply none = Call("POST", "/ragdb/kb/plain/retrieve", {{"query", "fox"}, {"mode", "sparse"}});
  EXPECT_EQ(none.status, 400);
  EXPECT_NE(none.body.find("no sparse embedder"), std::string::npos) << none.body;
}

TEST_F(KbApiTest, UploadJsonAndMultipartThenListRetrieveDelete) {
  Start();
  // JSON text creates the KB on first use, like `ragdb ingest`.
  Ingest("docs", "geo.md", kParis);
  Reply batch = Call("POST", "/ragdb/kb/docs/documents",
                     {{"documents",
                       {{{"source", "rust.txt"}, {"text", kRust}, {"metadata", {{"lang", "en"}}}},
                        {{"source", "geo.md"}, {"text", kParis}}}}});
  ASSERT_EQ(batch.status, 200) << batch.body;
  EXPECT_EQ(batch.json()["result"]["added"], 1);
  EXPECT_EQ(batch.json()["result"]["unchanged"], 1);  // same text again: a no-op

  // A multipart upload of a CSV file; its extension picks the parser.
  std::string csv = "city,country\nLyon,France\nTurin,Italy\n";
  std::string mp =
      "--BOUND\r\nContent-Disposition: form-data; name=\"file\"; filename=\"cities.csv\"\r\n"
      "Content-Type: text/csv\r\n\r\n" +
      csv +
      "\r\n--BOUND\r\nContent-Disposition: form-data; name=\"metadata\"\r\n\r\n{\"team\": "
      "\"maps\"}\r\n--BOUND--\r\n";
  Headers mph = {{"Content-Type", "multipart/form-data; boundary=BOUND"}};
  Reply up = testing::Http(server_->port(), "POST", "/ragdb/kb/docs/documents", mp, mph);
  ASSERT_EQ(up.status, 200) << up.body;
  EXPECT_EQ(up.json()["result"]["documents"][0]["status"], "added");

  Reply docs = Call("GET", "/ragdb/kb/docs/documents");
  ASSERT_EQ(docs.status, 200);
  Json list = docs.json()["result"]["documents"];
  ASSERT_EQ(list.size(), 3u);
  std::string csv_id;
  for (const auto& d : list) {
    if (d["source"] == "cities.csv") {
      csv_id = d["doc_id"];
      EXPECT_EQ(d["metadata"]["team"], "maps");
      EXPECT_EQ(d["metadata"]["format"], "csv");
    }
  }
  ASSERT_FALSE(csv_id.empty());

  Reply ret =
      Call("POST", "/ragdb/kb/docs/retrieve", {{"query", "Which city is in Italy?"}, {"k", 2}});
  ASSERT_EQ(ret.status, 200) << ret.body;
  EXPECT_EQ(ret.json()["result"]["chunks"][0]["source"], "cities.csv");
  Reply filtered = Call("POST", "/ragdb/kb/docs/retrieve",
                        {{"query", "language"}, {"filter", "source == \"rust.txt\""}});
  ASSERT_EQ(filtered.status, 200) << filtered.body;
  Json chunks = filtered.json()["result"]["chunks"];
  ASSERT_FALSE(chunks.empty());
  for (const auto& c : chunks) EXPECT_EQ(c["source"], "rust.txt");

  EXPECT_EQ(Call("DELETE", "/ragdb/kb/docs/documents/" + csv_id).status, 200);
  EXPECT_EQ(Call("DELETE", "/ragdb/kb/docs/documents/" + csv_id).status, 404);
  EXPECT_EQ(Call("DELETE", "/ragdb/kb/docs/documents/_config").status, 404);
  EXPECT_EQ(Call("DELETE", "/ragdb/kb/docs/documents?source=rust.txt").status, 200);
  EXPECT_EQ(Call("DELETE", "/ragdb/kb/docs/documents?source=rust.txt").status, 404);
  EXPECT_EQ(Call("GET", "/ragdb/kb/docs").json()["result"]["documents"], 1);
}

TEST_F(KbApiTest, BadUploadsAreRefusedAndChangeNothing) {
  Start();
  Ingest("docs", "geo.md", kParis);
  Headers mph = {{"Content-Type", "multipart/form-data; boundary=B"}};
  std::vector<std::pair<std::string, Headers>> bad = {
      {"--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\r\nabc", mph},
      {"--B\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nabc\r\n--B--", mph},
      {"--B\r\nContent-Disposition: form-data; name=\"other\"\r\n\r\nabc\r\n--B--", mph},
      {"--B\r\nContent-Disposition: form-data; name=\"file\"; "
       "filename=\"a.exe\"\r\n\r\nMZ\r\n--B--",
       mph},
      {"--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.pdf\"\r\n\r\n%PDF-1.4 "
       "truncated\r\n--B--",
       mph},
      {"{\"source\": \"x.txt\"}", {}},
      {"{\"source\": \"x.txt\", \"text\": 5}", {}},
      {"{\"source\": \"x.txt\", \"text\": \"t\", \"extra\": 1}", {}},
      {"{\"source\": \"x.txt\", \"text\": \"   \"}", {}},
      {"{\"documents\": []}", {}},
      {"{\"source\": \"x.txt\", \"text\": \"unterminated", {}},
  };
  for (const auto& [body, headers] : bad) {
    Reply r = testing::Http(server_->port(), "POST", "/ragdb/kb/docs/documents", body, headers);
    EXPECT_EQ(r.status, 400) << body << " -> " << r.body;
    EXPECT_TRUE(r.json()["status"].contains("error")) << r.body;
  }
  Reply docs = Call("GET", "/ragdb/kb/docs/documents");
  ASSERT_EQ(docs.json()["result"]["documents"].size(), 1u);
  EXPECT_EQ(Call("POST", "/ragdb/kb/docs/retrieve", {{"query", "x"}, {"k", 0}}).status, 400);
  EXPECT_EQ(Call("POST", "/ragdb/kb/docs/retrieve", {{"query", "x"}, {"filter", "page >"}}).status,
            400);
  EXPECT_EQ(Call("POST", "/ragdb/kb/nope/retrieve", {{"query", "x"}}).status, 404);
}

TEST_F(KbApiTest, AskExtractiveAndStreamed) {
  Start();
  Ingest("docs", "geo.md", kParis);
  Ingest("docs", "rust.txt", kRust);
  Reply a = Call("POST", "/ragdb/kb/docs/ask", {{"question", "What is the capital of France?"}});
  ASSERT_EQ(a.status, 200) << a.body;
  Json ans = a.json()["result"];
  EXPECT_EQ(ans["mode"], "extractive");
  EXPECT_NE(ans["answer"].get<std::string>().find("Paris"), std::string::npos);
  ASSERT_FALSE(ans["citations"].empty());
  EXPECT_EQ(ans["citations"][0]["source"], "geo.md");
  ExpectCitationsResolve(ans["answer"], ans["citations"]);

  Reply s = Call("POST", "/ragdb/kb/docs/ask",
                 {{"question", "What is the capital of France?"}, {"stream", true}});
  ASSERT_EQ(s.status, 200);
  EXPECT_EQ(s.headers["content-type"], "text/event-stream");
  EXPECT_TRUE(s.complete);
  auto events = SseEvents(s.body);
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back().first, "answer");
  EXPECT_EQ(Json::parse(events.back().second), ans);

  Reply missing = Call("POST", "/ragdb/kb/docs/ask", {{"question", ""}});
  EXPECT_EQ(missing.status, 400);
}

TEST_F(KbApiTest, AskWithLlmStreamsDeltasAndDropsUnknownCitations) {
  rag::LlmConfig llm = StartFakeLlm();
  Start({}, llm);
  Ingest("docs", "geo.md", kParis);
  Reply s = Call("POST", "/ragdb/kb/docs/ask",
                 {{"question", "What is the capital of France?"}, {"stream", true}});
  ASSERT_EQ(s.status, 200) << s.body;
  auto events = SseEvents(s.body);
  std::string deltas;
  for (const auto& [ev, data] : events) {
    if (ev == "delta") deltas += Json::parse(data)["text"].get<std::string>();
  }
  EXPECT_EQ(deltas, "Paris is the capital [1]. Also [7].");
  ASSERT_EQ(events.back().first, "answer");
  Json ans = Json::parse(events.back().second);
  EXPECT_EQ(ans["mode"], "llm");
  EXPECT_EQ(ans["answer"].get<std::string>().find("[7]"), std::string::npos);
  ExpectCitationsResolve(ans["answer"], ans["citations"]);
  // The prompt carried the numbered sources.
  EXPECT_NE(last_llm_request_.dump().find("Paris is the capital of France"), std::string::npos);
}

TEST_F(KbApiTest, ChatCompletionsAnswerFromTheKnowledgeBase) {
  Start();
  Ingest("docs", "geo.md", kParis);
  Ingest("docs", "rust.txt", kRust);
  Reply models = Call("GET", "/v1/models");
  ASSERT_EQ(models.status, 200);
  bool listed = false;
  Json model_list = models.json()["data"];
  for (const auto& m : model_list) listed |= m["id"] == "kb:docs";
  EXPECT_TRUE(listed) << models.body;

  Json req = {{"model", "kb:docs"},
              {"messages",
               {{{"role", "system"}, {"content", "Be brief."}},
                {{"role", "user"}, {"content", "What does the borrow checker prevent?"}}}}};
  Reply r = Call("POST", "/v1/chat/completions", req);
  ASSERT_EQ(r.status, 200) << r.body;
  Json j = r.json();
  EXPECT_EQ(j["object"], "chat.completion");
  EXPECT_EQ(j["model"], "kb:docs");
  std::string content = j["choices"][0]["message"]["content"];
  EXPECT_NE(content.find("data races"), std::string::npos) << content;
  EXPECT_NE(content.find("Sources:"), std::string::npos);
  EXPECT_EQ(j["choices"][0]["finish_reason"], "stop");
  ASSERT_FALSE(j["citations"].empty());
  EXPECT_EQ(j["citations"], j["choices"][0]["message"]["citations"]);
  EXPECT_EQ(j["citations"][0]["source"], "rust.txt");
  ExpectCitationsResolve(content, j["citations"]);

  req["stream"] = true;
  req["stream_options"] = {{"include_usage", true}};
  Reply s = Call("POST", "/v1/chat/completions", req);
  ASSERT_EQ(s.status, 200);
  auto events = SseEvents(s.body);
  ASSERT_GE(events.size(), 4u);
  EXPECT_EQ(events.back().second, "[DONE]");
  std::string streamed;
  Json last_choice_chunk, usage_chunk;
  for (size_t i = 0; i + 1 < events.size(); ++i) {
    Json c = Json::parse(events[i].second);
    EXPECT_EQ(c["object"], "chat.completion.chunk");
    EXPECT_EQ(c["id"], Json::parse(events[0].second)["id"]);
    if (c["choices"].empty()) {
      usage_chunk = c;
      continue;
    }
    last_choice_chunk = c;
    streamed += c["choices"][0]["delta"].value("content", "");
  }
  EXPECT_EQ(streamed, content);  // the same answer, streamed
  EXPECT_EQ(last_choice_chunk["choices"][0]["finish_reason"], "stop");
  EXPECT_EQ(last_choice_chunk["citations"], j["citations"]);
  EXPECT_GT(usage_chunk["usage"]["total_tokens"].get<int>(), 0);

  Reply other = Call("POST", "/v1/chat/completions",
                     {{"model", "gpt-4o"}, {"messages", {{{"role", "user"}, {"content", "hi"}}}}});
  EXPECT_EQ(other.status, 404);
  EXPECT_EQ(other.json()["error"]["code"], "model_not_found");
  Reply nokb = Call("POST", "/v1/chat/completions",
                    {{"model", "kb:nope"}, {"messages", {{{"role", "user"}, {"content", "hi"}}}}});
  EXPECT_EQ(nokb.status, 404);
  Reply nouser =
      Call("POST", "/v1/chat/completions",
           {{"model", "kb:docs"}, {"messages", {{{"role", "system"}, {"content", "x"}}}}});
  EXPECT_EQ(nouser.status, 400);
  EXPECT_EQ(nouser.json()["error"]["type"], "invalid_request_error");
  Reply badextra = Call("POST", "/v1/chat/completions",
                        {{"model", "kb:docs"},
                         {"messages", {{{"role", "user"}, {"content", "x"}}}},
                         {"ragdb", {{"kk", 3}}}});
  EXPECT_EQ(badextra.status, 400);
}

// A conversation: earlier user and assistant turns reach the LLM in order (the client's system
// message does not: ragdb's instructions stand), and a follow-up that names nothing is
// retrieved again together with the previous question.
TEST_F(KbApiTest, ChatCompletionsUseTheConversation) {
  rag::LlmConfig llm = StartFakeLlm();
  Start({}, llm);
  Ingest("docs", "geo.md", kParis);
  Ingest("docs", "rust.txt", kRust);
  Json req = {{"model", "kb:docs"},
              {"messages",
               {{{"role", "system"}, {"content", "Answer in one word."}},
                {{"role", "user"}, {"content", "What does the borrow checker prevent?"}},
                {{"role", "assistant"}, {"content", "Data races [1]."}},
                {{"role", "user"}, {"content", "Tell me more"}}}}};
  Reply r = Call("POST", "/v1/chat/completions", req);
  ASSERT_EQ(r.status, 200) << r.body;
  const Json& sent = last_llm_request_["messages"];
  ASSERT_EQ(sent.size(), 4u) << last_llm_request_.dump();
  EXPECT_EQ(sent[0]["role"], "system");
  EXPECT_EQ(sent[0]["content"].get<std::string>().find("one word"), std::string::npos);
  EXPECT_EQ(sent[1],
            Json({{"role", "user"}, {"content", "What does the borrow checker prevent?"}}));
  EXPECT_EQ(sent[2], Json({{"role", "assistant"}, {"content", "Data races [1]."}}));
  EXPECT_EQ(sent[3]["role"], "user");
  std::string prompt = sent[3]["content"];
  EXPECT_NE(prompt.find("Tell me more"), std::string::npos);
  // "Tell me more" names nothing; retrieved with the previous question it finds the Rust text.
  EXPECT_NE(prompt.find("data races"), std::string::npos) << prompt;

  // A question that names its own subject is retrieved alone.
  req["messages"][3]["content"] = "What is the capital of France?";
  ASSERT_EQ(Call("POST", "/v1/chat/completions", req).status, 200);
  prompt = last_llm_request_["messages"][3]["content"];
  EXPECT_NE(prompt.find("Paris is the capital"), std::string::npos) << prompt;
  EXPECT_EQ(prompt.find("data races"), std::string::npos) << prompt;

  Json bad = req;
  bad["messages"][1]["role"] = 7;
  EXPECT_EQ(Call("POST", "/v1/chat/completions", bad).status, 400);
}

Json Rpc(int id, const std::string& method, Json params = Json::object()) {
  return {{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", std::move(params)}};
}

TEST_F(KbApiTest, McpOverStreamableHttp) {
  Start();
  Headers h = {{"Accept", "application/json, text/event-stream"}};
  Reply init = Call("POST", "/mcp",
                    Rpc(1, "initialize",
                        {{"protocolVersion", "2025-06-18"},
                         {"capabilities", Json::object()},
                         {"clientInfo", {{"name", "t"}, {"version", "1"}}}}),
                    h);
  ASSERT_EQ(init.status, 200) << init.body;
  EXPECT_EQ(init.json()["result"]["protocolVersion"], "2025-06-18");
  Reply note =
      Call("POST", "/mcp", {{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}}, h);
  EXPECT_EQ(note.status, 202);
  EXPECT_TRUE(note.body.empty());

  h.emplace_back("MCP-Protocol-Version", "2025-06-18");
  Reply ingest = Call(
      "POST", "/mcp",
      Rpc(2, "tools/call",
          {{"name", "ingest_text"},
           {"arguments", {{"knowledge_base", "notes"}, {"text", kParis}, {"source", "geo.md"}}}}),
      h);
  ASSERT_EQ(ingest.status, 200) << ingest.body;
  EXPECT_FALSE(ingest.json()["result"]["isError"].get<bool>()) << ingest.body;
  Reply search = Call(
      "POST", "/mcp",
      Rpc(3, "tools/call",
          {{"name", "search"}, {"arguments", {{"knowledge_base", "notes"}, {"query", "capital"}}}}),
      h);
  ASSERT_EQ(search.status, 200);
  EXPECT_EQ(search.json()["result"]["structuredContent"]["results"][0]["source"], "geo.md");
  // What MCP wrote is visible to the KB endpoints (one catalog per tenant).
  EXPECT_EQ(Call("GET", "/ragdb/kb/notes").json()["result"]["documents"], 1);

  Reply parse = testing::Http(server_->port(), "POST", "/mcp", "{not json", h);
  EXPECT_EQ(parse.status, 400);
  EXPECT_EQ(parse.json()["error"]["code"], -32700);
  Reply version = Call("POST", "/mcp", Rpc(4, "ping"), {{"MCP-Protocol-Version", "1999-01-01"}});
  EXPECT_EQ(version.status, 400);
  EXPECT_EQ(Call("GET", "/mcp").status, 405);
  EXPECT_EQ(Call("DELETE", "/mcp").status, 405);
  // Without API keys, only pages from this machine may drive the server.
  EXPECT_EQ(Call("POST", "/mcp", Rpc(5, "ping"), {{"Origin", "https://evil.example"}}).status, 403);
  EXPECT_EQ(Call("POST", "/mcp", Rpc(5, "ping"), {{"Origin", "http://localhost:3000"}}).status,
            200);
}

TEST_F(KbApiTest, TenantsSeeOnlyTheirKnowledgeBasesAndReadOnlyKeysCannotWrite) {
  ServerConfig config;
  config.admin_key = "admin-secret";
  Start(config);
  Headers admin = {{"api-key", "admin-secret"}};
  ASSERT_EQ(Call("POST", "/ragdb/tenants", {{"name", "acme"}}, admin).status, 200);
  ASSERT_EQ(Call("POST", "/ragdb/tenants", {{"name", "beta"}}, admin).status, 200);
  auto key = [&](const std::string& tenant, const std::string& role) {
    Reply r = Call("POST", "/ragdb/tenants/" + tenant + "/keys", {{"role", role}}, admin);
    EXPECT_EQ(r.status, 200) << r.body;
    return Headers{{"Authorization", "Bearer " + r.json()["result"]["key"].get<std::string>()}};
  };
  Headers acme = key("acme", "read-write"), beta = key("beta", "read-write"),
          acme_ro = key("acme", "read-only");
  ASSERT_EQ(Call("POST", "/ragdb/kb/docs/documents", {{"source", "geo.md"}, {"text", kParis}}, acme)
                .status,
            200);
  EXPECT_EQ(Call("GET", "/ragdb/kb/docs", nullptr, acme).status, 200);
  EXPECT_EQ(Call("GET", "/ragdb/kb/docs", nullptr, beta).status, 404);
  EXPECT_EQ(Call("GET", "/ragdb/kb", nullptr, beta).json()["result"]["knowledge_bases"].size(), 0u);
  EXPECT_EQ(Call("GET", "/ragdb/kb").status, 401);

  // Read-only: may ask, may not upload; its MCP tool list has no ingest_text.
  EXPECT_EQ(
      Call("POST", "/ragdb/kb/docs/ask", {{"question", "capital of France?"}}, acme_ro).status,
      200);
  EXPECT_EQ(
      Call("POST", "/ragdb/kb/docs/documents", {{"source", "x"}, {"text", "y"}}, acme_ro).status,
      403);
  Reply tools = Call("POST", "/mcp", Rpc(1, "tools/list"), acme_ro);
  ASSERT_EQ(tools.status, 200) << tools.body;
  Json tool_list = tools.json()["result"]["tools"];
  ASSERT_EQ(tool_list.size(), 3u);
  for (const auto& t : tool_list) EXPECT_NE(t["name"], "ingest_text");
  Reply call =
      Call("POST", "/mcp",
           Rpc(2, "tools/call",
               {{"name", "ingest_text"},
                {"arguments", {{"knowledge_base", "docs"}, {"text", "t"}, {"source", "s"}}}}),
           acme_ro);
  EXPECT_TRUE(call.json()["result"]["isError"].get<bool>()) << call.body;
}

}  // namespace
}  // namespace ragdb::server
