#include "model/llm/language_model.h"

#include <filesystem>

#include "model/llm/llama2c.h"

namespace ragdb::model::llm {
namespace fs = std::filesystem;

namespace {

// The checkpoint and tokenizer files of a llama2.c folder, or the GGUF file of a folder.
struct FolderFiles {
  std::string gguf, checkpoint, tokenizer;
};

Result<FolderFiles> ScanFolder(const std::string& dir) {
  FolderFiles out;
  std::error_code ec;
  std::vector<std::string> ggufs;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (!e.is_regular_file(ec)) continue;
    const std::string f = e.path().filename().string();
    if (f.ends_with(".gguf"))
      ggufs.push_back(e.path().string());
    else if (f.ends_with(".bin") && f.starts_with("tok"))
      out.tokenizer = e.path().string();
    else if (f.ends_with(".bin"))
      out.checkpoint = e.path().string();
  }
  if (ggufs.size() > 1) {
    return Status::InvalidArgument(dir + " holds " + std::to_string(ggufs.size()) +
                                   " .gguf files: name one");
  }
  if (ggufs.size() == 1) out.gguf = ggufs[0];
  if (out.gguf.empty() && (out.checkpoint.empty() || out.tokenizer.empty())) {
    return Status::InvalidArgument(dir +
                                   " holds no .gguf file and no llama2.c checkpoint with "
                                   "its tok*.bin tokenizer");
  }
  return out;
}

}  // namespace

Result<std::shared_ptr<const LanguageModel>> LanguageModel::Load(const std::string& path,
                                                                 const std::string& name) {
  auto m = std::make_shared<LanguageModel>();
  m->name = name;
  std::error_code ec;
  if (!fs::exists(path, ec)) return Status::NotFound(path + ": no such file or folder");
  FolderFiles files;
  if (fs::is_directory(path, ec)) {
    RAGDB_ASSIGN_OR_RETURN(files, ScanFolder(path));
  } else if (path.ends_with(".gguf")) {
    files.gguf = path;
  } else {
    return Status::InvalidArgument(path +
                                   ": not a .gguf file (a llama2.c checkpoint is loaded "
                                   "from its folder, beside its tok*.bin tokenizer)");
  }
  if (!files.gguf.empty()) {
    m->path = files.gguf;
    RAGDB_ASSIGN_OR_RETURN(auto gguf, GgufFile::Open(files.gguf));
    std::shared_ptr<const GgufFile> shared(std::move(gguf));
    RAGDB_ASSIGN_OR_RETURN(m->tokenizer, LlmTokenizer::FromGguf(*shared));
    RAGDB_ASSIGN_OR_RETURN(m->decoder, DecoderModel::FromGguf(shared));
    if (m->tokenizer->size() > m->decoder->config().vocab) {
      return Status::InvalidArgument(
          files.gguf + ": the tokenizer has " + std::to_string(m->tokenizer->size()) +
          " tokens but the model only " + std::to_string(m->decoder->config().vocab));
    }
    m->chat_format = DetectChatFormat(m->tokenizer->chat_template());
  } else {
    m->path = files.checkpoint;
    RAGDB_ASSIGN_OR_RETURN(m->decoder, Llama2cLoader::Load(files.checkpoint));
    RAGDB_ASSIGN_OR_RETURN(m->tokenizer,
                           LlmTokenizer::FromLlama2c(files.tokenizer, m->decoder->config().vocab));
  }
  return std::shared_ptr<const LanguageModel>(std::move(m));
}

std::vector<int32_t> LanguageModel::ChatPrompt(const std::vector<ChatTurn>& turns) const {
  return tokenizer->Encode(ApplyChatTemplate(chat_format, turns), tokenizer->adds_bos(), true);
}

}  // namespace ragdb::model::llm
