// Subword models that split one pre-tokenized word into vocabulary ids: WordPiece (BERT) and
// Unigram with Viterbi segmentation (SentencePiece / XLM-RoBERTa).
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace ragdb::model {

class SubwordModel {
 public:
  virtual ~SubwordModel() = default;
  virtual void Tokenize(const std::u32string& word, std::vector<int32_t>* ids) const = 0;
  // -1 when absent.
  virtual int32_t TokenToId(const std::u32string& token) const = 0;
};

// Greedy longest-match-first; a word longer than max_chars or with an unmatchable rest becomes a
// single unk.
class WordPiece : public SubwordModel {
 public:
  WordPiece(std::unordered_map<std::u32string, int32_t> vocab, int32_t unk_id,
            std::u32string prefix = U"##", size_t max_chars = 100);
  void Tokenize(const std::u32string& word, std::vector<int32_t>* ids) const override;
  int32_t TokenToId(const std::u32string& token) const override;

 private:
  std::unordered_map<std::u32string, int32_t> vocab_;
  int32_t unk_id_;
  std::u32string prefix_;
  size_t max_chars_;
  size_t max_piece_ = 1;
};

// Viterbi over all vocabulary pieces; a character no piece covers becomes unk with score
// min_score - 10, and consecutive unks fuse into one (as Hugging Face tokenizers does).
class Unigram : public SubwordModel {
 public:
  Unigram(const std::vector<std::pair<std::u32string, double>>& pieces, int32_t unk_id);
  void Tokenize(const std::u32string& word, std::vector<int32_t>* ids) const override;
  int32_t TokenToId(const std::u32string& token) const override;

 private:
  std::unordered_map<std::u32string, int32_t> index_;
  std::vector<double> scores_;
  int32_t unk_id_;
  double unk_score_;
  size_t max_piece_ = 1;
};

}  // namespace ragdb::model
