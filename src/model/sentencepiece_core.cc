#include "model/sentencepiece_core.h"

#include <sentencepiece_processor.h>

#include "model/unicode_text.h"

namespace ragdb::model {
namespace {

class SentencePieceCore : public Tokenizer::Core {
 public:
  explicit SentencePieceCore(std::unique_ptr<sentencepiece::SentencePieceProcessor> sp)
      : sp_(std::move(sp)) {}

  Status Tokenize(std::string_view text, std::vector<int32_t>* ids) const override {
    RAGDB_RETURN_IF_ERROR(DecodeUtf8(text).status());
    std::vector<int> pieces;
    auto st = sp_->Encode(text, &pieces);
    if (!st.ok()) return Status::InvalidArgument("sentencepiece: " + st.ToString());
    for (int id : pieces) ids->push_back(Map(id));
    return Status::Ok();
  }
  int32_t TokenToId(const std::string& token) const override {
    if (token == "<s>") return 0;
    if (token == "<pad>") return 1;
    if (token == "</s>") return 2;
    if (token == "<unk>") return 3;
    int id = sp_->PieceToId(token);
    return sp_->IsUnknown(id) ? -1 : Map(id);
  }

 private:
  int32_t Map(int id) const { return sp_->IsUnknown(id) ? 3 : id + 1; }
  std::unique_ptr<sentencepiece::SentencePieceProcessor> sp_;
};

}  // namespace

Result<std::unique_ptr<Tokenizer::Core>> OpenSentencePieceCore(const std::string& path) {
  auto sp = std::make_unique<sentencepiece::SentencePieceProcessor>();
  auto st = sp->Load(path);
  if (!st.ok()) return Status::InvalidArgument(path + ": " + st.ToString());
  return std::unique_ptr<Tokenizer::Core>(new SentencePieceCore(std::move(sp)));
}

}  // namespace ragdb::model
