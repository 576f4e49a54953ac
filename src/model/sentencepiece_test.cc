// sentencepiece.bpe.model support: a tiny model is trained here with libsentencepiece_train (no
// fixture file), then our tokenizer must give SentencePiece's ids shifted to fairseq numbering.
#include <gtest/gtest.h>
#include <sentencepiece_processor.h>
#include <sentencepiece_trainer.h>

#include <filesystem>

#include "base/file.h"
#include "model/tokenizer.h"

namespace ragdb::model {
namespace {

TEST(SentencePiece, FairseqOffsetAndTemplate) {
  const std::string dir = ::testing::TempDir() + "/spm_fixture";
  std::filesystem::create_directories(dir);
  std::string corpus;
  for (int i = 0; i < 50; ++i) {
    corpus += "the river bank holds money and the quick brown fox jumps over the lazy dog\n";
    corpus += "une banque au bord de la rivière garde de l'argent\n";
  }
  ASSERT_TRUE(WriteFileAtomic(dir + "/corpus.txt", corpus).ok());
  auto st = sentencepiece::SentencePieceTrainer::Train(
      "--input=" + dir + "/corpus.txt --model_prefix=" + dir +
      "/sentencepiece.bpe --vocab_size=60 --model_type=bpe --character_coverage=1.0 "
      "--minloglevel=2");
  ASSERT_TRUE(st.ok()) << st.ToString();
  const std::string model = dir + "/sentencepiece.bpe.model";
  sentencepiece::SentencePieceProcessor sp;
  ASSERT_TRUE(sp.Load(model).ok());
  auto tok = Tokenizer::FromSentencePiece(model);
  ASSERT_TRUE(tok.ok()) << tok.status().ToString();
  for (std::string text : {"the river bank", "la rivière", "zebra ☃ xylophone", ""}) {
    std::vector<int> want;
    ASSERT_TRUE(sp.Encode(text, &want).ok());
    auto got = (*tok)->Tokenize(text);
    ASSERT_TRUE(got.ok());
    ASSERT_EQ(got->size(), want.size()) << text;
    for (size_t i = 0; i < want.size(); ++i) {
      EXPECT_EQ((*got)[i], sp.IsUnknown(want[i]) ? 3 : want[i] + 1) << text;
    }
  }
  auto pair = (*tok)->EncodePair("bank", "river", 0);
  ASSERT_TRUE(pair.ok());
  EXPECT_EQ(pair->ids.front(), 0);
  EXPECT_EQ(pair->ids.back(), 2);
  EXPECT_EQ((*tok)->TokenToId("<pad>"), 1);
  EXPECT_FALSE((*tok)->Tokenize("\xff").ok());
  auto missing = Tokenizer::FromSentencePiece(dir + "/nope.model");
  EXPECT_FALSE(missing.ok());
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace ragdb::model
