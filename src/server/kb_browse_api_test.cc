// The endpoints the web console uses, against a real server on loopback: paged documents,
// a document's chunks, one chunk with its neighbours, upload progress as server-sent events,
// the upload log, retrieval modes and fusion weights, and scroll filters given as expressions;
// each with its malformed-input cases.
#include <gtest/gtest.h>

#include <set>

#include "server/test_client.h"
#include "server/test_server.h"

namespace ragdb::server {
namespace {

using testing::Reply;
using Headers = std::vector<std::pair<std::string, std::string>>;

// (event, data) pairs of a server-sent events body.
std::vector<std::pair<std::string, Json>> Events(const std::string& body) {
  std::vector<std::pair<std::string, Json>> out;
  size_t pos = 0;
  while (true) {
    size_t end = body.find("\n\n", pos);
    if (end == std::string::npos) break;
    std::string block = body.substr(pos, end - pos);
    std::string event, data;
    size_t e = block.find("event: ");
    size_t d = block.find("data: ");
    if (e != std::string::npos) event = block.substr(e + 7, block.find('\n', e) - e - 7);
    if (d != std::string::npos) data = block.substr(d + 6);
    out.emplace_back(event, Json::parse(data, nullptr, false));
    pos = end + 2;
  }
  return out;
}

// A Markdown document long enough for many chunks of 20 tokens.
std::string LongDoc() {
  std::string s = "# Manual\n\n## Install\n\n";
  for (int i = 0; i < 12; ++i) {
    s += "Step " + std::to_string(i) + " of the installation copies the files and checks them. ";
  }
  s += "\n\n## Usage\n\n";
  for (int i = 0; i < 12; ++i) {
    s += "Usage note " + std::to_string(i) + " explains how queries reach the index quickly. ";
  }
  return s + "\n";
}

class KbBrowseApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ServerConfig config;
    config.http.io_threads = 1;
    config.http.worker_threads = 4;
    auto s = testing::TestServer::Start(dir_.path(), config);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    server_ = std::move(s).value();
  }
  Reply Call(const std::string& method, const std::string& target, const Json& body = nullptr,
             Headers headers = {}) {
    return testing::Http(server_->port(), method, target, body.is_null() ? "" : body.dump(),
                         headers);
  }
  Json Result(const Reply& r) { return r.json()["result"]; }
  // A KB with small chunks and one long document; returns the document's id.
  std::string MakeManual() {
    Reply c = Call("POST", "/ragdb/kb", {{"name", "kb"}, {"chunk_size", 20}, {"overlap", 4}});
    EXPECT_EQ(c.status, 200) << c.body;
    Reply up =
        Call("POST", "/ragdb/kb/kb/documents", {{"source", "manual.md"}, {"text", LongDoc()}});
    EXPECT_EQ(up.status, 200) << up.body;
    return Result(up)["documents"][0]["doc_id"];
  }
  void ExpectError(const std::string& method, const std::string& target, int status,
                   const std::string& words, const Json& body = nullptr) {
    Reply r = Call(method, target, body);
    EXPECT_EQ(r.status, status) << method << " " << target << ": " << r.body;
    std::string error = r.json()["status"].value("error", "");
    EXPECT_NE(error.find(words), std::string::npos) << target << ": " << error;
  }

  testing::TestDir dir_{"ragdb_kbbrowse"};
  std::unique_ptr<testing::TestServer> server_;
};

TEST_F(KbBrowseApiTest, DocumentsArePagedInIdOrder) {
  Call("POST", "/ragdb/kb", {{"name", "kb"}});
  for (int i = 0; i < 5; ++i) {
    std::string n = std::to_string(i);
    ASSERT_EQ(Call("POST", "/ragdb/kb/kb/documents",
                   {{"source", "doc" + n + ".txt"}, {"text", "Text number " + n + "."}})
                  .status,
              200);
  }
  std::vector<std::string> seen;
  std::string offset;
  int pages = 0;
  do {
    Reply r =
        Call("GET", "/ragdb/kb/kb/documents?limit=2" + (offset.empty() ? "" : "&offset=" + offset));
    ASSERT_EQ(r.status, 200) << r.body;
    Json page = Result(r);
    EXPECT_LE(page["documents"].size(), 2u);
    for (const auto& d : page["documents"]) {
      seen.push_back(d["doc_id"]);
      EXPECT_FALSE(d.contains("kind"));
      EXPECT_EQ(d["chunks"], 1);
    }
    offset = page["next_offset"].is_null() ? "" : page["next_offset"].get<std::string>();
    ++pages;
  } while (!offset.empty() && pages < 10);
  EXPECT_EQ(pages, 3);
  ASSERT_EQ(seen.size(), 5u);
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), 5u);
  // Without a limit: every document, as before.
  EXPECT_EQ(Result(Call("GET", "/ragdb/kb/kb/documents"))["documents"].size(), 5u);

  ExpectError("GET", "/ragdb/kb/kb/documents?limit=abc", 400, "`limit`");
  ExpectError("GET", "/ragdb/kb/kb/documents?limit=-1", 400, "`limit`");
  ExpectError("GET", "/ragdb/kb/kb/documents?limit=0", 400, "at least 1");
  ExpectError("GET", "/ragdb/kb/kb/documents?limit=1001", 400, "0..1000");
  ExpectError("GET", "/ragdb/kb/kb/documents?limit=99999999999999999999999", 400, "`limit`");
  ExpectError("GET", "/ragdb/kb/kb/documents?offset=d1", 400, "needs `limit`");
  ExpectError("GET", "/ragdb/kb/nope/documents?limit=2", 404, "does not exist");
}

TEST_F(KbBrowseApiTest, ChunksOfADocumentPageInReadingOrder) {
  std::string doc = MakeManual();
  Reply d = Call("GET", "/ragdb/kb/kb/documents/" + doc);
  ASSERT_EQ(d.status, 200) << d.body;
  const size_t total = Result(d)["chunks"];
  ASSERT_GE(total, 6u);
  EXPECT_EQ(Result(d)["source"], "manual.md");

  std::vector<std::string> texts;
  for (size_t at = 0; at < total; at += 4) {
    Reply r = Call("GET", "/ragdb/kb/kb/documents/" + doc + "/chunks?offset=" + std::to_string(at) +
                              "&limit=4");
    ASSERT_EQ(r.status, 200) << r.body;
    Json page = Result(r);
    EXPECT_EQ(page["total"], total);
    EXPECT_EQ(page["offset"], at);
    for (size_t i = 0; i < page["chunks"].size(); ++i) {
      const Json& c = page["chunks"][i];
      EXPECT_EQ(c["index"], at + i);
      EXPECT_EQ(c["source"], "manual.md");
      EXPECT_EQ(c["heading_path"][0], "Manual");
      texts.push_back(c["text"]);
    }
    if (at + 4 < total) {
      EXPECT_EQ(page["next_offset"], at + 4);
    } else {
      EXPECT_TRUE(page["next_offset"].is_null());
    }
  }
  ASSERT_EQ(texts.size(), total);
  EXPECT_NE(texts.front().find("Step 0"), std::string::npos);
  EXPECT_NE(texts.back().find("Usage note"), std::string::npos);
  // Past the end: an empty page.
  Reply past = Call("GET", "/ragdb/kb/kb/documents/" + doc + "/chunks?offset=100000&limit=5");
  ASSERT_EQ(past.status, 200);
  EXPECT_TRUE(Result(past)["chunks"].empty());
  EXPECT_TRUE(Result(past)["next_offset"].is_null());

  const std::string base = "/ragdb/kb/kb/documents/" + doc + "/chunks";
  ExpectError("GET", base + "?offset=x", 400, "`offset`");
  ExpectError("GET", base + "?offset=1.5", 400, "`offset`");
  ExpectError("GET", base + "?limit=0", 400, "at least 1");
  ExpectError("GET", base + "?limit=5000", 400, "0..1000");
  ExpectError("GET", "/ragdb/kb/kb/documents/dffff/chunks", 404, "no document");
  ExpectError("GET", "/ragdb/kb/kb/documents/_config", 404, "no document");
  ExpectError("GET", "/ragdb/kb/kb/documents/_config/chunks", 404, "no document");
  ExpectError("GET", "/ragdb/kb/zz/documents/" + doc, 404, "does not exist");
}

TEST_F(KbBrowseApiTest, AChunkComesWithItsNeighboursAndDocument) {
  std::string doc = MakeManual();
  Json page = Result(Call("GET", "/ragdb/kb/kb/documents/" + doc + "/chunks?limit=1000"));
  const Json& chunks = page["chunks"];
  ASSERT_GE(chunks.size(), 3u);
  const std::string middle = chunks[1]["chunk_id"];
  Reply r = Call("GET", "/ragdb/kb/kb/chunks/" + middle);
  ASSERT_EQ(r.status, 200) << r.body;
  Json c = Result(r);
  EXPECT_EQ(c["text"], chunks[1]["text"]);
  EXPECT_EQ(c["index"], 1);
  EXPECT_EQ(c["previous"]["chunk_id"], chunks[0]["chunk_id"]);
  EXPECT_EQ(c["next"]["chunk_id"], chunks[2]["chunk_id"]);
  EXPECT_EQ(c["document"]["source"], "manual.md");
  EXPECT_EQ(c["document"]["chunks"], chunks.size());
  EXPECT_GT(c["end"].get<size_t>(), c["start"].get<size_t>());

  Json first =
      Result(Call("GET", "/ragdb/kb/kb/chunks/" + chunks[0]["chunk_id"].get<std::string>()));
  EXPECT_TRUE(first["previous"].is_null());
  EXPECT_FALSE(first["next"].is_null());
  Json last =
      Result(Call("GET", "/ragdb/kb/kb/chunks/" + chunks.back()["chunk_id"].get<std::string>()));
  EXPECT_TRUE(last["next"].is_null());

  // A citation to a replaced version no longer resolves: 404 saying why.
  ASSERT_EQ(Call("POST", "/ragdb/kb/kb/documents",
                 {{"source", "manual.md"}, {"text", LongDoc() + "\nOne more line.\n"}})
                .status,
            200);
  ExpectError("GET", "/ragdb/kb/kb/chunks/" + middle, 404, "removed or replaced");

  for (const char* bad : {"nonsense", "d1-v-1", "d1-vx-1", "-v1-2", "d1-v1-", "d1-v1-2x",
                          "d1-v99999999999999999999-1"}) {
    ExpectError("GET", std::string("/ragdb/kb/kb/chunks/") + bad, 400, "not a chunk id");
  }
  ExpectError("GET", "/ragdb/kb/kb/chunks/dabc-v1-0", 404, "no chunk");
  ExpectError("GET", "/ragdb/kb/kb/chunks/_config-v1-0", 404, "no chunk");
}

TEST_F(KbBrowseApiTest, UploadProgressIsStreamedStageByStage) {
  Call("POST", "/ragdb/kb", {{"name", "kb"}});
  std::string mp =
      "--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"guide.md\"\r\n\r\n"
      "# Guide\n\nThe guide explains durable writes.\n"
      "\r\n--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"broken.pdf\"\r\n\r\n"
      "%PDF-1.4 truncated\r\n--B--\r\n";
  Headers h = {{"Content-Type", "multipart/form-data; boundary=B"},
               {"Accept", "text/event-stream"}};
  Reply r = testing::Http(server_->port(), "POST", "/ragdb/kb/kb/documents", mp, h);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.headers["content-type"], "text/event-stream");
  auto events = Events(r.body);
  // File 0: each stage starts, then ends with its time, in pipeline order; then its result.
  std::vector<std::string> file0;
  Json doc0, doc1, done;
  for (const auto& [event, data] : events) {
    ASSERT_FALSE(data.is_discarded()) << r.body;
    if (event == "stage" && data["file"] == 0) {
      file0.push_back(data["stage"].get<std::string>() + ":" + data["state"].get<std::string>());
      if (data["state"] == "done") {
        EXPECT_GE(data["ms"].get<double>(), 0);
      }
    }
    if (event == "document") (data["file"] == 0 ? doc0 : doc1) = data;
    if (event == "done") done = data;
  }
  EXPECT_EQ(file0, (std::vector<std::string>{"parse:running", "parse:done", "chunk:running",
                                             "chunk:done", "embed:running", "embed:done",
                                             "write:running", "write:done"}));
  EXPECT_EQ(doc0["status"], "added");
  EXPECT_GE(doc0["chunks"].get<int>(), 1);
  EXPECT_EQ(doc1["status"], "skipped");
  EXPECT_FALSE(doc1["reason"].get<std::string>().empty());
  EXPECT_EQ(done["added"], 1);
  EXPECT_EQ(done["skipped"], 1);
  EXPECT_EQ(events.back().first, "done");

  // The upload log keeps both outcomes, newest first, with the failure's reason.
  Reply log = Call("GET", "/ragdb/kb/kb/uploads");
  ASSERT_EQ(log.status, 200) << log.body;
  Json uploads = Result(log)["uploads"];
  ASSERT_EQ(uploads.size(), 2u);
  EXPECT_EQ(uploads[0]["source"], "broken.pdf");
  EXPECT_EQ(uploads[0]["status"], "skipped");
  EXPECT_EQ(uploads[0]["reason"], doc1["reason"]);
  EXPECT_TRUE(uploads[0]["timings_ms"].contains("parse"));
  EXPECT_EQ(uploads[1]["source"], "guide.md");
  EXPECT_TRUE(uploads[1]["timings_ms"].contains("write"));
  EXPECT_GT(uploads[0]["id"].get<int>(), uploads[1]["id"].get<int>());

  // The same file again is unchanged: no stage runs.
  std::string again =
      "--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"guide.md\"\r\n\r\n"
      "# Guide\n\nThe guide explains durable writes.\n\r\n--B--\r\n";
  Reply r2 = testing::Http(server_->port(), "POST", "/ragdb/kb/kb/documents", again, h);
  ASSERT_EQ(r2.status, 200);
  auto ev2 = Events(r2.body);
  ASSERT_EQ(ev2.size(), 2u) << r2.body;
  EXPECT_EQ(ev2[0].first, "document");
  EXPECT_EQ(ev2[0].second["status"], "unchanged");

  // Malformed uploads are refused before any event, with the usual 400.
  Reply bad = testing::Http(server_->port(), "POST", "/ragdb/kb/kb/documents",
                            "--B\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nx", h);
  EXPECT_EQ(bad.status, 400) << bad.body;
  Reply bad_json = Call("POST", "/ragdb/kb/kb/documents", {{"source", "x.txt"}},
                        {{"Accept", "text/event-stream"}});
  EXPECT_EQ(bad_json.status, 400) << bad_json.body;

  // Dropping the KB forgets its upload log.
  ASSERT_EQ(Call("DELETE", "/ragdb/kb/kb").status, 200);
  Call("POST", "/ragdb/kb", {{"name", "kb"}});
  EXPECT_TRUE(Result(Call("GET", "/ragdb/kb/kb/uploads"))["uploads"].empty());
  ExpectError("GET", "/ragdb/kb/none/uploads", 404, "does not exist");
}

TEST_F(KbBrowseApiTest, RetrievalModesAndFusionWeights) {
  Call("POST", "/ragdb/kb", {{"name", "kb"}});
  Call("POST", "/ragdb/kb/kb/documents",
       {{"documents",
         {{{"source", "a.txt"}, {"text", "Penguins live in Antarctica and eat fish."}},
          {{"source", "b.txt"}, {"text", "Rust has a borrow checker."}},
          {{"source", "c.txt"}, {"text", "The penguin colony grew this winter."}}}}});
  auto retrieve = [&](Json extra) {
    Json body = {{"query", "penguins fish"}, {"k", 3}};
    body.update(extra);
    return Call("POST", "/ragdb/kb/kb/retrieve", body);
  };
  Reply bm25 = retrieve({{"mode", "bm25"}});
  ASSERT_EQ(bm25.status, 200) << bm25.body;
  Json hits = Result(bm25)["chunks"];
  ASSERT_FALSE(hits.empty());
  for (const auto& h : hits) EXPECT_TRUE(h["bm25_match"].get<bool>());
  EXPECT_EQ(hits[0]["source"], "a.txt");
  EXPECT_GT(hits[0]["score"].get<double>(), 0.1);  // a BM25 score, not an RRF one (< 0.04)

  Reply dense = retrieve({{"mode", "dense"}});
  ASSERT_EQ(dense.status, 200) << dense.body;
  Json dh = Result(dense)["chunks"];
  ASSERT_FALSE(dh.empty());
  EXPECT_NEAR(dh[0]["score"].get<double>(), dh[0]["dense_score"].get<double>(), 1e-4);

  Reply rrf = retrieve({{"mode", "hybrid"}, {"weights", {{"dense", 0}, {"bm25", 1}}}});
  ASSERT_EQ(rrf.status, 200) << rrf.body;
  EXPECT_EQ(Result(rrf)["chunks"][0]["source"], "a.txt");
  EXPECT_TRUE(Result(rrf)["timings_ms"].contains("total"));
  Reply weighted = retrieve({{"fusion", "weighted"}, {"weights", {{"dense", 0.3}, {"bm25", 0.7}}}});
  ASSERT_EQ(weighted.status, 200) << weighted.body;
  EXPECT_LE(Result(weighted)["chunks"][0]["score"].get<double>(), 1.0 + 1e-6);

  const std::string url = "/ragdb/kb/kb/retrieve";
  ExpectError("POST", url, 400, "`mode`", {{"query", "q"}, {"mode", "fuzzy"}});
  ExpectError("POST", url, 400, "no sparse embedder", {{"query", "q"}, {"mode", "sparse"}});
  ExpectError("POST", url, 400, "`mode`", {{"query", "q"}, {"mode", 3}});
  ExpectError("POST", url, 400, "`fusion`", {{"query", "q"}, {"fusion", "dbsf"}});
  ExpectError("POST", url, 400, "`weights`", {{"query", "q"}, {"weights", {1, 2}}});
  ExpectError("POST", url, 400, "unknown field `text`",
              {{"query", "q"}, {"weights", {{"text", 1}}}});
  ExpectError("POST", url, 400, "weights.dense", {{"query", "q"}, {"weights", {{"dense", -1}}}});
  ExpectError("POST", url, 400, "weights.bm25", {{"query", "q"}, {"weights", {{"bm25", "1"}}}});
  ExpectError("POST", url, 400, "not all 0",
              {{"query", "q"}, {"weights", {{"dense", 0}, {"bm25", 0}}}});
}

TEST_F(KbBrowseApiTest, ScrollAndCountTakeFilterExpressions) {
  ASSERT_EQ(
      Call("PUT", "/collections/items", {{"vectors", {{"size", 2}, {"distance", "Dot"}}}}).status,
      200);
  Json points = Json::array();
  for (int i = 0; i < 10; ++i) {
    points.push_back({{"id", i},
                      {"vector", {1.0, double(i)}},
                      {"payload", {{"cat", i % 2 ? "odd" : "even"}, {"n", i}}}});
  }
  ASSERT_EQ(Call("PUT", "/collections/items/points?wait=true", {{"points", points}}).status, 200);
  Reply s = Call("POST", "/collections/items/points/scroll",
                 {{"filter", "cat == \"odd\" and n > 3"}, {"limit", 10}});
  ASSERT_EQ(s.status, 200) << s.body;
  std::vector<int> ids;
  const Json page = Result(s);
  for (const auto& p : page["points"]) ids.push_back(p["id"]);
  EXPECT_EQ(ids, (std::vector<int>{5, 7, 9})) << s.body;
  Reply c = Call("POST", "/collections/items/points/count", {{"filter", "n < 4"}});
  ASSERT_EQ(c.status, 200) << c.body;
  EXPECT_EQ(Result(c)["count"], 4);
  ExpectError("POST", "/collections/items/points/scroll", 400, "filter", {{"filter", "cat == "}});
  ExpectError("POST", "/collections/items/points/scroll", 400, "filter", {{"filter", 5}});
}

}  // namespace
}  // namespace ragdb::server
