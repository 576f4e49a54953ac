// A sentencepiece.bpe.model file read with libsentencepiece, ids shifted to fairseq's numbering
// (what XLM-RoBERTa uses): <s>=0 <pad>=1 </s>=2 <unk>=3 and every other piece at its
// SentencePiece id + 1.
#pragma once

#include <memory>
#include <string>

#include "model/tokenizer.h"

namespace ragdb::model {

Result<std::unique_ptr<Tokenizer::Core>> OpenSentencePieceCore(const std::string& path);

}  // namespace ragdb::model
