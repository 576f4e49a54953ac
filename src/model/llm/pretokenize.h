// The pre-tokenizers of byte-level BPE models: the text is cut into pieces by the model's
// regular expression before merging, and no merge crosses a piece boundary. The expressions
// (as Hugging Face tokenizers and llama.cpp write them) are matched by hand here, alternative
// by alternative, with the Unicode classes \p{L}, \p{N} and \s from ICU:
//
//   kGpt2    's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
//   kLlama3  (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|
//            ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
//   kQwen2   the same as kLlama3 with \p{N} (one digit per piece) instead of \p{N}{1,3}
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace ragdb::model::llm {

enum class PreTokenizer { kGpt2, kLlama3, kQwen2 };

// The pre-tokenizer named by GGUF's tokenizer.ggml.pre, or false for an unknown name.
bool PreTokenizerByName(const std::string& name, PreTokenizer* out);

// The pieces of `text`, in order; they concatenate to `text`. Bytes that are not valid UTF-8
// count as characters of no class.
std::vector<std::string_view> PreTokenize(std::string_view text, PreTokenizer kind);

}  // namespace ragdb::model::llm
