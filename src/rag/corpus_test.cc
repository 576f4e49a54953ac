// Corpus files: records, the fields they are read from, and malformed input.
#include "rag/corpus.h"

#include <gtest/gtest.h>

namespace ragdb::rag {
namespace {

TEST(Corpus, JsonLinesRecordsWithTheUsualFieldNames) {
  auto r = ReadCorpus(
      "{\"_id\": \"a\", \"title\": \"Alpha\", \"text\": \"first\", \"year\": 2021}\n\n"
      "{\"id\": 7, \"name\": \"Beta\", \"content\": \"second\"}\n"
      "{\"abstract\": \"third\"}\n",
      Format::kJsonLines, {});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ((*r)[0].id, "a");
  EXPECT_EQ((*r)[0].title, "Alpha");
  EXPECT_EQ((*r)[0].text, "first");
  EXPECT_EQ((*r)[0].metadata["year"], 2021);
  EXPECT_EQ((*r)[0].metadata["title"], "Alpha");
  EXPECT_FALSE((*r)[0].metadata.contains("text"));
  EXPECT_EQ((*r)[1].id, "7");  // numbers are ids too
  EXPECT_EQ((*r)[1].title, "Beta");
  EXPECT_EQ((*r)[1].text, "second");
  EXPECT_EQ((*r)[2].id, "3");  // no id field: the record's number
  EXPECT_EQ((*r)[2].text, "third");
}

TEST(Corpus, NamedFieldsAndRecordsWithoutText) {
  auto r = ReadCorpus(
      R"([{"key": "q1", "heading": "H", "body": "B"}, {"key": "q2", "heading": "H2", "body": "C"}])",
      Format::kJson, {"key", "heading", "body"});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[1].id, "q2");
  EXPECT_EQ((*r)[1].title, "H2");
  EXPECT_EQ((*r)[1].text, "C");
  // Without a text field the record reads as "key: value" lines.
  r = ReadCorpus(R"([{"city": "Paris", "tags": ["a", "b"]}])", Format::kJson, {});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)[0].text, "city: Paris\ntags[0]: a\ntags[1]: b");
  // Bare strings are texts.
  r = ReadCorpus(R"(["one", "two"])", Format::kJson, {});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)[1].id, "2");
  EXPECT_EQ((*r)[1].text, "two");
}

TEST(Corpus, CsvRowsAreRecords) {
  auto r = ReadCorpus("id,name,content,city\n1,Alpha,\"first, quoted\",Paris\n2,Beta,second,\n",
                      Format::kCsv, {});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].text, "first, quoted");
  EXPECT_EQ((*r)[0].metadata["city"], "Paris");
  EXPECT_FALSE((*r)[1].metadata.contains("city"));  // empty cells are absent
}

TEST(Corpus, BadInputNamesTheRecordAndTheProblem) {
  auto missing =
      ReadCorpus("{\"text\": \"a\"}\n{\"body\": \"b\"}\n", Format::kJsonLines, {"", "", "body"});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().message(), "record 1: no field 'body' (the text field given)");
  auto dup = ReadCorpus("{\"id\": 1, \"text\": \"a\"}\n{\"id\": 1, \"text\": \"b\"}\n",
                        Format::kJsonLines, {});
  ASSERT_FALSE(dup.ok());
  EXPECT_NE(dup.status().message().find("records 1 and 2 have the same id '1'"), std::string::npos);
  auto broken = ReadCorpus("{\"text\": \"a\"}\n{\"text\": \n", Format::kJsonLines, {});
  ASSERT_FALSE(broken.ok());
  EXPECT_NE(broken.status().message().find("jsonl: line 2"), std::string::npos);
  auto object = ReadCorpus(R"({"text": "one document"})", Format::kJson, {});
  EXPECT_EQ(object.status().code(), StatusCode::kFailedPrecondition);
  auto bad_utf8 = ReadCorpus("{\"text\": \"\xff\"}\n", Format::kJsonLines, {});
  EXPECT_EQ(bad_utf8.status().code(), StatusCode::kInvalidArgument);
  // A record without a text field is flattened, within the JSON parser's depth limit.
  auto nested = ReadCorpus("[{\"a\": " + std::string(70, '[') + std::string(70, ']') + "}]",
                           Format::kJson, {});
  ASSERT_FALSE(nested.ok());
  EXPECT_NE(nested.status().message().find("nesting deeper than 64"), std::string::npos);
  EXPECT_FALSE(ReadCorpus("x", Format::kText, {}).ok());
  auto quote = ReadCorpus("id,text\n1,\"unterminated\n", Format::kCsv, {});
  EXPECT_FALSE(quote.ok());
}

}  // namespace
}  // namespace ragdb::rag
