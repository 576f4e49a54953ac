// The named default embedders: short names that every model argument accepts and that `auto`
// picks for a new collection or knowledge base. They are pulled into the model cache on first
// use (model_pull.h) and live there under their hub name (CACHE/BAAI/bge-small-en-v1.5).
//
// How `auto` chooses (docs/models.md): the multilingual model when at least a fifth of the
// letters of the first texts are not Latin script (Chinese, Japanese, Korean, Cyrillic, Arabic,
// ...), else the English one. English-only models tokenize Chinese into single characters they
// were not trained to relate, so a paraphrased Chinese question finds nothing; the multilingual
// model was trained on 100 languages, at some cost in English quality.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "ragdb/model.h"

namespace ragdb::model {

struct DefaultModel {
  const char* name;  // short name: "bge-small-en-v1.5"
  const char* repo;  // hub name: "BAAI/bge-small-en-v1.5"
  // Put before queries / documents, as the model was trained (e5: "query: " / "passage: ").
  const char* query_prompt;
  const char* document_prompt;
  Pooling pooling;
  const char* languages;  // for help and docs
};

const std::vector<DefaultModel>& DefaultModels();
// The default whose short name or hub name is `spec` (an "@int8" suffix is ignored), or nullptr.
const DefaultModel* FindDefaultModel(std::string_view spec);
// The default `auto` picks for texts like `sample` (no download).
const DefaultModel& ChooseDefaultModel(std::string_view sample);
// Fraction of the letters of `sample` outside Latin script (0 when it has none).
double NonLatinLetterShare(std::string_view sample);

// Pulls `model` into the cache unless it is installed (progress on stderr; model_pull.h).
// Returns the installed folder.
Result<std::string> EnsureInstalled(const DefaultModel& model);

}  // namespace ragdb::model
