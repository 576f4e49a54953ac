// Knowledge bases end to end: ingestion of the fixture documents, skipping malformed files,
// idempotent re-ingestion, replacement, --sync, version-based crash consistency, retrieval with
// filters and extractive answers.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <regex>
#include <set>

#include "rag/pipeline_test_util.h"
#include "rag/test_util.h"
#include "ragdb/rag.h"

namespace ragdb::rag {
namespace {

using ::testing::HasSubstr;

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// By value: a range-for over `*kb->Retrieve(..)` would iterate a destroyed temporary.
std::vector<RetrievedChunk> Must(Result<std::vector<RetrievedChunk>> r) {
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  if (!r.ok()) return {};
  return std::move(r).value();
}

// Small enough that each page of report.pdf has chunks of its own.
KbOptions SmallChunks() {
  KbOptions o;
  o.chunk_size = 12;
  o.overlap = 2;
  return o;
}

class KbTest : public ::testing::Test {
 protected:
  void SetUp() override { db_ = OpenTestDb(data_.path()); }
  std::unique_ptr<KnowledgeBase> MakeKb(const KbOptions& o = SmallChunks()) {
    auto kb = KnowledgeBase::Create(*db_, "test", o);
    EXPECT_TRUE(kb.ok()) << kb.status().ToString();
    return std::move(kb).value();
  }
  TempDir data_;
  TempDir files_;
  std::unique_ptr<Database> db_;
};

TEST_F(KbTest, CreateListDescribeDrop) {
  auto kb = MakeKb();
  EXPECT_EQ(KnowledgeBase::List(*db_), std::vector<std::string>{"test"});
  EXPECT_EQ(KnowledgeBase::Create(*db_, "test", {}).status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(KnowledgeBase::Create(*db_, "bad.name", {}).status().code(),
            StatusCode::kInvalidArgument);
  auto info = kb->Describe();
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->documents, 0u);
  EXPECT_EQ(info->options.chunk_size, 12u);
  kb.reset();
  auto reopened = KnowledgeBase::Open(*db_, "test");
  ASSERT_TRUE(reopened.ok());
  EXPECT_EQ((*reopened)->options().chunk_size, 12u);
  ASSERT_TRUE(KnowledgeBase::Drop(*db_, "test").ok());
  EXPECT_TRUE(KnowledgeBase::List(*db_).empty());
  EXPECT_EQ(KnowledgeBase::Open(*db_, "test").status().code(), StatusCode::kNotFound);
}

TEST_F(KbTest, IngestFixturesPagesHeadingsAndCleanHtml) {
  auto kb = MakeKb();
  auto s = kb->IngestPaths({FixturePath("")}, {});
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  // data.csv, records.json and events.jsonl are corpora: one document per record (3 + 2 + 2).
  EXPECT_EQ(s->added, 13u) << s->ToJson().dump();
  ASSERT_EQ(s->skipped, 1u);  // make_fixtures.py
  EXPECT_THAT(s->skipped_files[0].source, HasSubstr("make_fixtures.py"));
  EXPECT_EQ(s->skipped_files[0].reason, "unsupported file type");
  EXPECT_EQ(s->pages, 3u);
  auto info = kb->Describe();
  EXPECT_EQ(info->documents, 13u);
  EXPECT_EQ(info->chunks, s->chunks);

  // PDF: pages from 1, carried into citations.
  RetrieveOptions ro;
  ro.k = 1;
  ro.filter = *Filter::Parse("metadata.format == \"pdf\"");
  auto hits = kb->Retrieve("steady growth outlook", ro);
  ASSERT_TRUE(hits.ok());
  ASSERT_EQ(hits->size(), 1u);
  EXPECT_TRUE(EndsWith((*hits)[0].source, "report.pdf"));
  EXPECT_EQ((*hits)[0].page, 3);
  AskOptions ao;
  ao.retrieve = ro;
  auto answer = Ask(*kb, "steady growth outlook", ao);
  ASSERT_TRUE(answer.ok());
  ASSERT_FALSE(answer->citations.empty());
  EXPECT_EQ(answer->citations[0].page, 3);
  std::set<int> pages;
  for (const char* q : {"third quarter", "North West revenue growth", "steady growth"}) {
    ro.k = 3;
    for (const auto& h : Must(kb->Retrieve(q, ro))) pages.insert(h.page);
  }
  EXPECT_TRUE(pages.count(1) && pages.count(3)) << pages.size();
  EXPECT_FALSE(pages.count(0));

  // DOCX: headings become heading paths.
  ro.filter = *Filter::Parse("metadata.format == \"docx\"");
  ro.k = 10;
  ro.merge_neighbors = false;
  bool linux_path = false;
  for (const auto& h : Must(kb->Retrieve("Linux requirements packages", ro))) {
    if (h.heading_path == std::vector<std::string>{"Install", "Linux"}) linux_path = true;
  }
  EXPECT_TRUE(linux_path);

  // HTML: navigation, header, footer and scripts are not in any chunk.
  ro.filter = *Filter::Parse("metadata.format == \"html\"");
  ro.k = 20;
  auto html = kb->Retrieve("NAV_LINK_ONE SITE_HEADER_LOGO vector search", ro);
  ASSERT_TRUE(html.ok());
  ASSERT_FALSE(html->empty());
  for (const auto& h : *html) {
    for (const char* junk : {"NAV_LINK", "SITE_HEADER", "SCRIPT_SHOULD", "SITE_FOOTER", "ASIDE_"}) {
      EXPECT_THAT(h.text, ::testing::Not(HasSubstr(junk)));
    }
  }
}

TEST_F(KbTest, MalformedFilesAreSkippedWithoutLeftovers) {
  auto kb = MakeKb();
  files_.Write("good.md", "# Good\n\nThis document about lighthouses parses fine.\n");
  files_.Write("bad.pdf", "%PDF-1.7\nthis is not really a pdf at all\n");
  files_.Write("bad.docx", "PK\x03\x04 truncated zip");
  files_.Write("bad.json", "{\"unterminated\": [1, 2");
  files_.Write("image.png", "\x89PNG....");
  auto s = kb->IngestPaths({files_.path()}, {});
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->files, 5u);
  EXPECT_EQ(s->added, 1u);
  EXPECT_EQ(s->skipped, 4u);
  for (const auto& r : s->skipped_files) EXPECT_FALSE(r.reason.empty()) << r.source;
  auto info = kb->Describe();
  EXPECT_EQ(info->documents, 1u);
  EXPECT_EQ(info->chunks, s->chunks);
  auto docs = kb->ListDocuments();
  ASSERT_EQ(docs->size(), 1u);
  EXPECT_TRUE(EndsWith((*docs)[0]["source"].get<std::string>(), "good.md"));
}

TEST_F(KbTest, ReingestIsNoOpAndChangedFileReplacesItsChunks) {
  auto kb = MakeKb();
  std::string a =
      files_.Write("a.txt", "Alpha bravo charlie. The alpha document talks about bravo.");
  files_.Write("b.md", "# B\n\nBeta gamma delta epsilon.");
  auto first = kb->IngestPaths({files_.path()}, {});
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->added, 2u);
  auto before = kb->Describe();
  auto second = kb->IngestPaths({files_.path()}, {});
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->added + second->updated, 0u);
  EXPECT_EQ(second->unchanged, 2u);
  EXPECT_EQ(second->chunks, 0u);
  auto after = kb->Describe();
  EXPECT_EQ(before->chunks, after->chunks);
  EXPECT_EQ(before->documents, after->documents);

  files_.Write("a.txt", "Zulu yankee xray. Completely new words about whiskey.");
  auto third = kb->IngestPaths({files_.path()}, {});
  ASSERT_TRUE(third.ok());
  EXPECT_EQ(third->updated, 1u);
  EXPECT_EQ(third->unchanged, 1u);
  RetrieveOptions ro;
  ro.k = 10;
  for (const auto& h : Must(kb->Retrieve("alpha bravo charlie zulu whiskey", ro))) {
    EXPECT_THAT(h.text, ::testing::Not(HasSubstr("Alpha"))) << h.chunk_id;
    if (EndsWith(h.source, "a.txt")) {
      EXPECT_THAT(h.chunk_id, HasSubstr("-v2-"));
    }
  }
  // No chunk of the old version is left in storage either.
  Filter f = *Filter::Parse("version == 1 and source == \"" +
                            std::filesystem::canonical(a).string() + "\"");
  auto col = db_->GetCollection("kb.test");
  EXPECT_EQ(*(*col)->Count(&f), 0u);
}

// More files than one write batch holds (64), with a bad file in the middle and updates mixed
// with unchanged files: every good file lands once, with its own chunks, in every batch.
TEST_F(KbTest, ManyFilesAreWrittenInBatches) {
  auto kb = MakeKb();
  const int n = 150;
  for (int i = 0; i < n; ++i) {
    files_.Write("f" + std::to_string(1000 + i) + ".txt",
                 "Document number " + std::to_string(i) + " mentions token" + std::to_string(i) +
                     " and nothing else of note.");
  }
  files_.Write("f1070.json", "{\"broken\": [");  // skipped, mid-batch
  auto first = kb->IngestPaths({files_.path()}, {});
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->files, size_t(n) + 1);
  EXPECT_EQ(first->added, size_t(n));
  EXPECT_EQ(first->skipped, 1u);
  EXPECT_GT(first->parse_ms + first->embed_ms, 0.0);
  EXPECT_GT(first->write_ms, 0.0);
  EXPECT_EQ(kb->Describe()->documents, size_t(n));
  EXPECT_EQ(kb->Describe()->chunks, first->chunks);
  for (int i : {0, 63, 64, 65, 128, 149}) {
    RetrieveOptions ro;
    ro.k = 1;
    auto hits = Must(kb->Retrieve("token" + std::to_string(i), ro));
    ASSERT_EQ(hits.size(), 1u);
    EXPECT_TRUE(EndsWith(hits[0].source, "f" + std::to_string(1000 + i) + ".txt")) << i;
  }
  // Change every tenth file: updated ones get version 2, the rest stay unchanged.
  for (int i = 0; i < n; i += 10) {
    files_.Write("f" + std::to_string(1000 + i) + ".txt",
                 "Rewritten text with word fresh" + std::to_string(i) + ".");
  }
  auto second = kb->IngestPaths({files_.path()}, {});
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->updated, size_t(n / 10));
  EXPECT_EQ(second->unchanged, size_t(n - n / 10));
  Filter old = *Filter::Parse("version == 1 and chunk >= 0");
  auto col = db_->GetCollection("kb.test");
  EXPECT_EQ(*(*col)->Count(&old), kb->Describe()->chunks - n / 10);  // old versions gone
}

TEST_F(KbTest, SyncRemovesDocumentsWhoseFilesAreGone) {
  auto kb = MakeKb();
  std::string gone = files_.Write("gone.txt", "Kangaroos live in Australia.");
  files_.Write("stays.txt", "Penguins live in Antarctica.");
  ASSERT_TRUE(kb->IngestPaths({files_.path()}, {}).ok());
  std::filesystem::remove(gone);
  IngestOptions io;
  auto no_sync = kb->IngestPaths({files_.path()}, io);
  EXPECT_EQ(no_sync->removed, 0u);
  EXPECT_EQ(kb->Describe()->documents, 2u);
  io.sync = true;
  auto s = kb->IngestPaths({files_.path()}, io);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->removed, 1u);
  EXPECT_EQ(kb->Describe()->documents, 1u);
  RetrieveOptions ro;
  for (const auto& h : Must(kb->Retrieve("kangaroos Australia", ro))) {
    EXPECT_FALSE(EndsWith(h.source, "gone.txt"));
  }
}

TEST_F(KbTest, ChunksOfUncommittedVersionsAreInvisible) {
  auto kb = MakeKb();
  ASSERT_TRUE(kb->IngestText("notes/x.md", "# X\n\nOriginal text about volcanoes.").ok());
  // Simulate a crash between writing new chunks and committing the document row: chunks of
  // version 2 exist, the row still says version 1.
  auto col = *db_->GetCollection("kb.test");
  auto page = col->Scroll({});
  ASSERT_TRUE(page.ok());
  ASSERT_FALSE(page->records.empty());
  Record r = page->records[0];
  auto full = col->Get(r.id, true);
  ASSERT_TRUE(full.ok());
  Record orphan = *full;
  orphan.id = PointId(orphan.payload["doc_id"].get<std::string>() + "-v2-0");
  orphan.payload["version"] = 2;
  orphan.text = "Half-written replacement about glaciers.";
  ASSERT_TRUE(col->Upsert(std::span<const Record>(&orphan, 1)).ok());
  RetrieveOptions ro;
  ro.k = 10;
  for (const auto& h : Must(kb->Retrieve("glaciers volcanoes", ro))) {
    EXPECT_THAT(h.text, ::testing::Not(HasSubstr("glaciers")));
  }
  // The next ingestion of that document cleans the orphan up.
  ASSERT_TRUE(kb->IngestText("notes/x.md", "# X\n\nNew text about geysers.").ok());
  EXPECT_EQ(*col->Count(), 1u);
}

TEST_F(KbTest, RetrieveFiltersAndExtractiveAnswers) {
  auto kb = MakeKb(KbOptions{});
  ASSERT_TRUE(kb->IngestText("en/lighthouses.md",
                             "# Lighthouses\n\nA lighthouse is a tower that emits light to guide "
                             "ships. The Pharos of Alexandria was one of the earliest lighthouses. "
                             "Modern lighthouses use LED lamps.",
                             {{"lang", "en"}})
                  .ok());
  ASSERT_TRUE(kb->IngestText("en/bees.txt",
                             "Honey bees live in colonies. A colony has one queen and thousands "
                             "of worker bees. Bees make honey from nectar.",
                             {{"lang", "en"}})
                  .ok());
  ASSERT_TRUE(kb->IngestText("zh/ai.txt", "人工智能正在改变世界。机器学习是人工智能的一个分支。",
                             {{"lang", "zh"}})
                  .ok());
  RetrieveOptions ro;
  ro.filter = *Filter::Parse("metadata.lang == \"zh\"");
  auto zh = kb->Retrieve("机器学习", ro);
  ASSERT_TRUE(zh.ok());
  ASSERT_FALSE(zh->empty());
  for (const auto& h : *zh) EXPECT_EQ(h.source, "zh/ai.txt");
  ro.filter = *Filter::Parse("source == \"en/bees.txt\"");
  for (const auto& h : Must(kb->Retrieve("lighthouse", ro))) EXPECT_EQ(h.source, "en/bees.txt");

  AskOptions ao;
  auto a = Ask(*kb, "What do bees make honey from?", ao);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->mode, "extractive");
  EXPECT_THAT(a->answer, HasSubstr("nectar"));
  ASSERT_FALSE(a->citations.empty());
  // Citation integrity: every [n] in the answer is a returned citation and vice versa.
  std::set<int> in_answer, returned;
  std::regex marker(R"(\[(\d+)\])");
  for (auto it = std::sregex_iterator(a->answer.begin(), a->answer.end(), marker);
       it != std::sregex_iterator(); ++it) {
    in_answer.insert(std::stoi((*it)[1].str()));
  }
  for (const auto& c : a->citations) {
    returned.insert(c.n);
    EXPECT_FALSE(c.snippet.empty());
    EXPECT_FALSE(c.chunk_id.empty());
  }
  EXPECT_FALSE(in_answer.empty());
  EXPECT_EQ(in_answer, returned);
  EXPECT_EQ(a->citations[0].source, "en/bees.txt");

  auto zh_answer = Ask(*kb, "什么是机器学习？", ao);
  ASSERT_TRUE(zh_answer.ok());
  ASSERT_FALSE(zh_answer->citations.empty());
  EXPECT_EQ(zh_answer->citations[0].source, "zh/ai.txt");

  auto none = Ask(*kb, "quantum chromodynamics of zebras", ao);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->citations.empty());
  EXPECT_EQ(none->mode, "extractive");
  EXPECT_THAT(none->answer, HasSubstr("No relevant information"));
}

// A sparse embedder adds a learned sparse leg: chunks get the model's vectors from their text,
// mode kSparse ranks by their dot product with the query's, and hybrid retrieval fuses it.
TEST_F(KbTest, LearnedSparseLegJoinsHybridRetrieval) {
  const char* root = std::getenv("RAGDB_SOURCE_DIR");
  const std::string model =
      std::string(root ? root : ".") + "/tests/fixtures/models/bert_tiny_splade";
  KbOptions o;
  o.embedder = "hash";
  o.sparse_embedder = "splade:" + model;
  // Bad sparse embedders are refused before anything is created.
  KbOptions bad = o;
  bad.sparse_embedder = "splade:" + data_.path() + "/no-such-model";
  EXPECT_FALSE(KnowledgeBase::Create(*db_, "bad", bad).ok());
  bad.sparse_embedder = "bm25";
  auto refused = KnowledgeBase::Create(*db_, "bad", bad);
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(refused.status().message(), HasSubstr("--sparse-embedder"));
  EXPECT_TRUE(KnowledgeBase::List(*db_).empty());

  auto kb = MakeKb(o);
  const std::vector<std::string> texts = {"the quick brown fox", "lazy dog jumps over",
                                          "river bank money",    "data base query document",
                                          "hello world cafe",    "model token text",
                                          "quick river of money"};
  for (size_t i = 0; i < texts.size(); ++i) {
    ASSERT_TRUE(kb->IngestText("d" + std::to_string(i) + ".txt", texts[i]).ok());
  }
  auto embedder = SparseEmbedder::Load(o.sparse_embedder);
  ASSERT_TRUE(embedder.ok()) << embedder.status().ToString();
  const std::string query = "quick fox river bank";
  auto vectors = (*embedder)->Embed(std::vector<std::string>{query});
  ASSERT_TRUE(vectors.ok());
  const SparseVector q = (*vectors)[0];
  auto dot = [&](const std::string& text) {
    auto v = (*embedder)->Embed(std::vector<std::string>{text});
    double s = 0;
    for (size_t i = 0; i < q.indices.size(); ++i) {
      for (size_t j = 0; j < v->at(0).indices.size(); ++j) {
        if (q.indices[i] == v->at(0).indices[j]) s += double(q.values[i]) * v->at(0).values[j];
      }
    }
    return s;
  };
  std::vector<std::pair<double, std::string>> want;
  for (size_t i = 0; i < texts.size(); ++i) {
    const double s = dot(texts[i]);
    if (s > 0) want.push_back({s, "d" + std::to_string(i) + ".txt"});
  }
  std::sort(want.rbegin(), want.rend());
  ASSERT_GE(want.size(), 3u);

  RetrieveOptions r;
  r.k = texts.size();
  r.mode = RetrieveMode::kSparse;
  r.merge_neighbors = false;
  r.dedup_threshold = 1.0;
  r.token_budget = 0;
  auto sparse = Must(kb->Retrieve(query, r));
  ASSERT_EQ(sparse.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_THAT(sparse[i].source, ::testing::EndsWith(want[i].second)) << i;
    EXPECT_NEAR(sparse[i].score, want[i].first, 1e-4 * (1 + want[i].first)) << i;
  }
  // Hybrid with only the sparse leg weighted ranks the same way; all three legs find more.
  r.mode = RetrieveMode::kHybrid;
  r.dense_weight = 0;
  r.bm25_weight = 0;
  auto fused = Must(kb->Retrieve(query, r));
  ASSERT_GE(fused.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_THAT(fused[i].source, ::testing::EndsWith(want[i].second)) << i;
  }
  r.sparse_weight = 0;
  EXPECT_EQ(kb->Retrieve(query, r).status().code(), StatusCode::kInvalidArgument);
  r.dense_weight = r.bm25_weight = r.sparse_weight = 1;
  EXPECT_FALSE(Must(kb->Retrieve(query, r)).empty());

  // The option is stored with the knowledge base.
  kb.reset();
  auto reopened = KnowledgeBase::Open(*db_, "test");
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  EXPECT_EQ((*reopened)->options().sparse_embedder, o.sparse_embedder);
  r.mode = RetrieveMode::kSparse;
  auto again = Must((*reopened)->Retrieve(query, r));
  ASSERT_FALSE(again.empty());
  EXPECT_EQ(again[0].source, sparse[0].source);

  // A knowledge base without a sparse embedder has no sparse mode.
  KbOptions plain;
  plain.embedder = "hash";
  auto other = KnowledgeBase::Create(*db_, "plain", plain);
  ASSERT_TRUE(other.ok());
  auto none = (*other)->Retrieve(query, r);
  ASSERT_FALSE(none.ok());
  EXPECT_THAT(none.status().message(), HasSubstr("no sparse embedder"));
}

TEST_F(KbTest, ParentChildModeReturnsParents) {
  KbOptions o;
  o.chunk_size = 20;
  o.overlap = 0;
  o.mode = "parent-child";
  o.parent_size = 200;
  auto kb = MakeKb(o);
  std::string text = "# Guide\n\n";
  for (int i = 0; i < 12; ++i) {
    text += "Paragraph " + std::to_string(i) + " talks about topic" + std::to_string(i) +
            " in some detail with several more words.\n\n";
  }
  ASSERT_TRUE(kb->IngestText("guide.md", text).ok());
  RetrieveOptions ro;
  ro.k = 1;
  auto hits = kb->Retrieve("topic7", ro);
  ASSERT_TRUE(hits.ok());
  ASSERT_EQ(hits->size(), 1u);
  EXPECT_THAT((*hits)[0].text, HasSubstr("topic7"));
  EXPECT_THAT((*hits)[0].text, HasSubstr("topic6"));  // the parent is larger than the child
}

}  // namespace
}  // namespace ragdb::rag
