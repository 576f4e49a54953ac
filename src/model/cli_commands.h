// The `ragdb embed` and `ragdb rerank` commands, for the CLI's dispatcher to call. `args` excludes
// the program name and the command word. Exit codes: 0 ok, 1 runtime error (one line on stderr),
// 2 usage error.
//
//   ragdb embed --model DIR|hash[:DIM] [--pooling mean|cls] [--normalize] [--quantize none|int8]
//               TEXT...
//       one JSON array of floats per text, one per line
//   ragdb rerank --model DIR|NAME [--quantize none|int8] --query Q DOC...
//       one score per document, one per line, in input order (hash models are refused: they
//       cannot rerank)
//   ragdb model pull NAME     download a Hugging Face model into the model cache (model_pull.h);
//                             NAME may be a default model's short name (bge-small-en-v1.5)
//   ragdb model pull NAME     download a Hugging Face model into the model cache (model_pull.h)
//   ragdb model pull NAME --file F.gguf   only the named files (GGUF repositories)
//   ragdb model add NAME PATH  install a local .gguf file or model folder (model_pull.h)
//   ragdb model list          installed models: name, size, files
// "--" ends the options, so texts may start with "--". --model also takes an installed model name
// or a default model's short name (pulled on first use). `--help` is answered by the CLI's main.
// --quantize int8 runs the encoder with int8 weights (ragdb/model.h WeightQuantization); the
// default is f32. It has no effect on hash models.
#pragma once

#include <string>
#include <vector>

namespace ragdb {

int RunEmbedCommand(const std::vector<std::string>& args);
int RunRerankCommand(const std::vector<std::string>& args);
int RunModelCommand(const std::vector<std::string>& args);
// ragdb generate --model NAME|FILE.gguf|DIR [--temperature T] [--max-tokens N] ... "prompt"
// (cli_generate.cc): the continuation streamed to stdout; "" starts from BOS.
int RunGenerateCommand(const std::vector<std::string>& args);

}  // namespace ragdb
