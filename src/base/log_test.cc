#include "base/log.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "base/progress.h"

namespace ragdb {
namespace {

// Captures log lines while alive; restores the level.
class CaptureLog {
 public:
  CaptureLog() : saved_(log::GetLevel()) {
    log::SetSinkForTest([this](std::string_view line) { lines.emplace_back(line); });
  }
  ~CaptureLog() {
    log::SetSinkForTest(nullptr);
    log::SetLevel(saved_);
  }
  std::vector<std::string> lines;

 private:
  log::Level saved_;
};

TEST(Log, LineIsLogfmtWithQuotedValues) {
  std::string line = log::FormatLine(log::Level::kWarn, "kb.fallback", "using \"hash\" now",
                                     {{"kb", "docs"}, {"n", 3}, {"ok", true}, {"empty", ""}});
  EXPECT_EQ(line.rfind("time=", 0), 0u) << line;
  EXPECT_NE(line.find(" level=warn event=kb.fallback msg=\"using \\\"hash\\\" now\" kb=docs n=3 "
                      "ok=true empty=\"\""),
            std::string::npos)
      << line;
  // A newline in a value stays on one line.
  std::string two = log::FormatLine(log::Level::kInfo, "e", "a\nb", {});
  EXPECT_EQ(two.find('\n'), std::string::npos);
  EXPECT_NE(two.find("msg=\"a\\nb\""), std::string::npos) << two;
}

TEST(Log, LevelsFilter) {
  CaptureLog cap;
  log::SetLevel(log::Level::kWarn);
  log::Info("a", "hidden");
  log::Warn("b", "shown");
  log::Error("c", "shown too");
  log::Debug("d", "hidden");
  ASSERT_EQ(cap.lines.size(), 2u);
  EXPECT_NE(cap.lines[0].find("event=b"), std::string::npos);
  EXPECT_NE(cap.lines[1].find("level=error"), std::string::npos);
  log::SetLevel(log::Level::kDebug);
  log::Debug("d", "now shown");
  EXPECT_EQ(cap.lines.size(), 3u);
}

TEST(Log, ParseLevelAndEnvironment) {
  EXPECT_EQ(*log::ParseLevel("debug"), log::Level::kDebug);
  EXPECT_EQ(*log::ParseLevel("warning"), log::Level::kWarn);
  auto bad = log::ParseLevel("loud");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("error, warn, info or debug"), std::string::npos);

  log::Level saved = log::GetLevel();
  setenv("RAGDB_LOG", "error", 1);
  EXPECT_TRUE(log::InitFromEnv().ok());
  EXPECT_EQ(log::GetLevel(), log::Level::kError);
  setenv("RAGDB_LOG", "chatty", 1);
  Status s = log::InitFromEnv();
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("RAGDB_LOG"), std::string::npos);
  unsetenv("RAGDB_LOG");
  log::SetLevel(saved);
}

TEST(Progress, SummaryLineWhenFinished) {
  CaptureLog cap;
  log::SetLevel(log::Level::kInfo);
  {
    Progress p("import", Progress::Unit::kRows, 10);
    p.Add(4);
    p.Add(6);
    p.Finish();
  }
  ASSERT_EQ(cap.lines.size(), 1u);
  EXPECT_NE(cap.lines[0].find("event=import.done"), std::string::npos) << cap.lines[0];
  EXPECT_NE(cap.lines[0].find("msg=\"10 rows in "), std::string::npos) << cap.lines[0];
  EXPECT_NE(cap.lines[0].find(" rows=10 "), std::string::npos) << cap.lines[0];
  {
    Progress failed("ingest", Progress::Unit::kDocuments, 3);
    failed.Add(1);
  }  // not finished: no summary
  EXPECT_EQ(cap.lines.size(), 1u);
  log::SetLevel(log::Level::kWarn);
  {
    Progress quiet("ingest", Progress::Unit::kDocuments, 3);
    quiet.Finish();
  }
  EXPECT_EQ(cap.lines.size(), 1u);
}

TEST(Progress, RendersCountsRateAndEta) {
  Progress p("import", Progress::Unit::kRows, 1000000);
  p.Set(250000);
  std::string bar = p.RenderBar(10.0);
  EXPECT_NE(bar.find(" 25% 250,000/1,000,000 rows  25,000 rows/s  ETA 30s"), std::string::npos)
      << bar;
  Progress b("model pull", Progress::Unit::kBytes, 0);
  b.Set(3000000);
  bar = b.RenderBar(2.0);
  EXPECT_NE(bar.find("3.0 MB  1.5 MB/s"), std::string::npos) << bar;
  EXPECT_EQ(bar.find("ETA"), std::string::npos) << bar;  // total unknown
  EXPECT_EQ(Progress::FormatDuration(125), "2m05s");
  EXPECT_EQ(Progress::FormatDuration(7300), "2h01m");
  EXPECT_EQ(Progress::FormatAmount(1234567, Progress::Unit::kDocuments), "1,234,567 documents");
}

}  // namespace
}  // namespace ragdb
