// The default embedders: names, and how `auto` chooses between them.
#include "model/default_models.h"

#include <gtest/gtest.h>

namespace ragdb::model {
namespace {

TEST(DefaultModels, FoundByShortNameHubNameAndInt8Suffix) {
  for (const char* spec :
       {"bge-small-en-v1.5", "BAAI/bge-small-en-v1.5", "bge-small-en-v1.5@int8"}) {
    const DefaultModel* m = FindDefaultModel(spec);
    ASSERT_NE(m, nullptr) << spec;
    EXPECT_STREQ(m->repo, "BAAI/bge-small-en-v1.5");
  }
  const DefaultModel* e5 = FindDefaultModel("multilingual-e5-small");
  ASSERT_NE(e5, nullptr);
  EXPECT_STREQ(e5->query_prompt, "query: ");
  EXPECT_STREQ(e5->document_prompt, "passage: ");
  EXPECT_EQ(FindDefaultModel("BAAI/bge-base-en-v1.5"), nullptr);
  EXPECT_EQ(FindDefaultModel("hash"), nullptr);
}

TEST(DefaultModels, ScriptShareChoosesTheModel) {
  EXPECT_EQ(NonLatinLetterShare(""), 0.0);
  EXPECT_EQ(NonLatinLetterShare("1234 !?"), 0.0);
  EXPECT_EQ(NonLatinLetterShare("The quick brown fox, “quoted” — é à ü."), 0.0);
  EXPECT_EQ(NonLatinLetterShare("每个片段大约四百个词元。"), 1.0);  // 。 is punctuation
  EXPECT_STREQ(ChooseDefaultModel("Each chunk holds about four hundred tokens.").name,
               "bge-small-en-v1.5");
  EXPECT_STREQ(ChooseDefaultModel("每个片段大约四百个词元，相邻片段重叠六十个词元").name,
               "multilingual-e5-small");
  // Chinese with English terms in it is still Chinese; English quoting a Chinese name is not.
  EXPECT_STREQ(ChooseDefaultModel("使用 HNSW 索引和 BM25 全文检索，再用 RRF 融合结果").name,
               "multilingual-e5-small");
  EXPECT_STREQ(ChooseDefaultModel("The library was written by 王小明 in Beijing last year and it "
                                  "is used for retrieval.")
                   .name,
               "bge-small-en-v1.5");
  EXPECT_STREQ(ChooseDefaultModel("Быстрая коричневая лиса прыгает").name, "multilingual-e5-small");
  // Invalid UTF-8 is skipped, not a crash.
  EXPECT_STREQ(ChooseDefaultModel("abc\xff\xfe def").name, "bge-small-en-v1.5");
}

}  // namespace
}  // namespace ragdb::model
