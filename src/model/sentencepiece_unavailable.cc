// Builds without libsentencepiece (RAGDB_WITH_SENTENCEPIECE=OFF, the aarch64 edge preset, where
// Debian has no static library to link): models whose tokenizer is a sentencepiece.bpe.model
// are refused by name; tokenizer.json and vocab.txt tokenizers are unaffected.
#include "model/sentencepiece_core.h"

namespace ragdb::model {

Result<std::unique_ptr<Tokenizer::Core>> OpenSentencePieceCore(const std::string& path) {
  return Status::Unimplemented(path +
                               ": this build reads no sentencepiece.bpe.model files (built with "
                               "RAGDB_WITH_SENTENCEPIECE=OFF, as the aarch64 edge preset is); "
                               "use the model's tokenizer.json if it has one");
}

}  // namespace ragdb::model
