#include "model/tokenizer.h"

#include <nlohmann/json.hpp>

#include "base/file.h"
#include "model/sentencepiece_core.h"
#include "model/subword.h"
#include "model/text_pipeline.h"
#include "model/unicode_text.h"

namespace ragdb::model {
namespace {

Status Bad(const std::string& msg) { return Status::InvalidArgument("tokenizer.json: " + msg); }

// normalizer -> pre-tokenizer -> subword model.
class PipelineCore : public Tokenizer::Core {
 public:
  PipelineCore(std::unique_ptr<Normalizer> norm, std::unique_ptr<PreTokenizer> pre,
               std::unique_ptr<SubwordModel> model)
      : norm_(std::move(norm)), pre_(std::move(pre)), model_(std::move(model)) {}

  Status Tokenize(std::string_view text, std::vector<int32_t>* ids) const override {
    RAGDB_ASSIGN_OR_RETURN(std::u32string s, DecodeUtf8(text));
    if (norm_) s = norm_->Apply(std::move(s));
    if (s.empty()) return Status::Ok();
    std::vector<std::u32string> words;
    words.push_back(std::move(s));
    if (pre_) words = pre_->Apply(std::move(words));
    for (const auto& w : words) model_->Tokenize(w, ids);
    return Status::Ok();
  }
  int32_t TokenToId(const std::string& token) const override {
    auto u = DecodeUtf8(token);
    return u.ok() ? model_->TokenToId(*u) : -1;
  }

 private:
  std::unique_ptr<Normalizer> norm_;
  std::unique_ptr<PreTokenizer> pre_;
  std::unique_ptr<SubwordModel> model_;
};

PostProcessor BertTemplate(int32_t cls, int32_t sep) {
  PostProcessor p;
  p.single = {{cls, 0, 0}, {-1, 0, 0}, {sep, 0, 0}};
  p.pair = {{cls, 0, 0}, {-1, 0, 0}, {sep, 0, 0}, {-1, 1, 1}, {sep, 0, 1}};
  return p;
}

PostProcessor RobertaTemplate(int32_t cls, int32_t sep) {
  PostProcessor p;
  p.single = {{cls, 0, 0}, {-1, 0, 0}, {sep, 0, 0}};
  p.pair = {{cls, 0, 0}, {-1, 0, 0}, {sep, 0, 0}, {sep, 0, 0}, {-1, 1, 0}, {sep, 0, 0}};
  return p;
}

Result<int32_t> SpecialPairId(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_array() || it->size() != 2 || !(*it)[1].is_number_integer()) {
    return Bad(std::string("post_processor.") + key + " must be [token, id]");
  }
  return (*it)[1].get<int32_t>();
}

Result<std::vector<TemplatePiece>> ParseTemplate(const nlohmann::json& list,
                                                 const nlohmann::json& specials) {
  std::vector<TemplatePiece> out;
  if (!list.is_array()) return Bad("TemplateProcessing template is not a list");
  for (const auto& item : list) {
    TemplatePiece p;
    if (auto s = item.find("SpecialToken"); s != item.end()) {
      std::string name = s->value("id", "");
      p.type_id = s->value("type_id", 0);
      auto sp = specials.find(name);
      if (sp == specials.end() || !sp->contains("ids") || (*sp)["ids"].size() != 1) {
        return Bad("TemplateProcessing special token '" + name + "' has no single id");
      }
      p.special_id = (*sp)["ids"][0].get<int32_t>();
    } else if (auto q = item.find("Sequence"); q != item.end()) {
      p.seq = q->value("id", "A") == "B" ? 1 : 0;
      p.type_id = q->value("type_id", 0);
    } else {
      return Bad("TemplateProcessing item is neither SpecialToken nor Sequence");
    }
    out.push_back(p);
  }
  return out;
}

Result<PostProcessor> ParsePostProcessor(const nlohmann::json& j, const Tokenizer::Core& core,
                                         Arch arch) {
  if (j.is_null()) {
    // No template in the file: the architecture's standard one. A missing special becomes -2,
    // which CheckTemplate reports.
    auto id = [&](const char* tok) {
      int32_t v = core.TokenToId(tok);
      return v < 0 ? -2 : v;
    };
    if (arch == Arch::kBert) return BertTemplate(id("[CLS]"), id("[SEP]"));
    return RobertaTemplate(id("<s>"), id("</s>"));
  }
  std::string type = j.value("type", "");
  if (type == "BertProcessing" || type == "RobertaProcessing") {
    RAGDB_ASSIGN_OR_RETURN(int32_t cls, SpecialPairId(j, "cls"));
    RAGDB_ASSIGN_OR_RETURN(int32_t sep, SpecialPairId(j, "sep"));
    return type == "BertProcessing" ? BertTemplate(cls, sep) : RobertaTemplate(cls, sep);
  }
  if (type == "TemplateProcessing") {
    PostProcessor p;
    nlohmann::json specials = j.value("special_tokens", nlohmann::json::object());
    RAGDB_ASSIGN_OR_RETURN(p.single, ParseTemplate(j.value("single", nlohmann::json()), specials));
    RAGDB_ASSIGN_OR_RETURN(p.pair, ParseTemplate(j.value("pair", nlohmann::json()), specials));
    return p;
  }
  return Bad("post_processor type '" + type + "' is not supported");
}

Status CheckTemplate(const PostProcessor& p) {
  for (const auto* t : {&p.single, &p.pair}) {
    for (const auto& piece : *t) {
      if (piece.special_id < -1) return Bad("special token missing from the vocabulary");
    }
  }
  for (const auto& piece : p.single) {
    if (piece.special_id == -1 && piece.seq != 0) return Bad("single template uses sequence B");
  }
  return Status::Ok();
}

size_t CountSpecials(const std::vector<TemplatePiece>& t) {
  size_t n = 0;
  for (const auto& p : t) n += p.special_id >= 0;
  return n;
}

}  // namespace

Result<std::unique_ptr<Tokenizer>> Tokenizer::FromTokenizerJson(const std::string& json_text,
                                                                Arch arch) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(json_text);
  } catch (const nlohmann::json::exception& e) {
    return Bad(std::string("not valid JSON: ") + e.what());
  }
  try {
    if (!j.is_object()) return Bad("not a JSON object");
    RAGDB_ASSIGN_OR_RETURN(auto norm, ParseNormalizer(j.value("normalizer", nlohmann::json())));
    RAGDB_ASSIGN_OR_RETURN(auto pre, ParsePreTokenizer(j.value("pre_tokenizer", nlohmann::json())));
    const nlohmann::json& m = j.at("model");
    std::string type = m.value("type", "");
    std::unique_ptr<SubwordModel> model;
    if (type == "WordPiece") {
      std::unordered_map<std::u32string, int32_t> vocab;
      for (const auto& [tok, id] : m.at("vocab").items()) {
        RAGDB_ASSIGN_OR_RETURN(std::u32string t, DecodeUtf8(tok));
        vocab[t] = id.get<int32_t>();
      }
      std::string unk = m.value("unk_token", "[UNK]");
      RAGDB_ASSIGN_OR_RETURN(std::u32string unk32, DecodeUtf8(unk));
      auto unk_it = vocab.find(unk32);
      if (unk_it == vocab.end()) return Bad("model.unk_token '" + unk + "' is not in the vocab");
      RAGDB_ASSIGN_OR_RETURN(std::u32string prefix,
                             DecodeUtf8(m.value("continuing_subword_prefix", "##")));
      size_t max_chars = m.value("max_input_chars_per_word", 100);
      int32_t unk_id = unk_it->second;
      model = std::make_unique<WordPiece>(std::move(vocab), unk_id, prefix, max_chars);
    } else if (type == "Unigram") {
      if (m.value("byte_fallback", false)) return Bad("Unigram byte_fallback is not supported");
      std::vector<std::pair<std::u32string, double>> pieces;
      for (const auto& e : m.at("vocab")) {
        RAGDB_ASSIGN_OR_RETURN(std::u32string t, DecodeUtf8(e.at(0).get<std::string>()));
        pieces.emplace_back(std::move(t), e.at(1).get<double>());
      }
      auto unk = m.find("unk_id");
      if (unk == m.end() || !unk->is_number_integer() || unk->get<int64_t>() < 0 ||
          unk->get<size_t>() >= pieces.size()) {
        return Bad("Unigram model.unk_id is missing or out of range");
      }
      model = std::make_unique<Unigram>(pieces, unk->get<int32_t>());
    } else {
      return Bad("model type '" + type + "' is not supported (WordPiece, Unigram)");
    }
    auto core = std::make_unique<PipelineCore>(std::move(norm), std::move(pre), std::move(model));
    RAGDB_ASSIGN_OR_RETURN(
        PostProcessor post,
        ParsePostProcessor(j.value("post_processor", nlohmann::json()), *core, arch));
    RAGDB_RETURN_IF_ERROR(CheckTemplate(post));
    return std::unique_ptr<Tokenizer>(new Tokenizer(std::move(core), std::move(post)));
  } catch (const nlohmann::json::exception& e) {
    return Bad(std::string("unexpected structure: ") + e.what());
  }
}

Result<std::unique_ptr<Tokenizer>> Tokenizer::FromVocabTxt(const std::string& text,
                                                           bool lowercase) {
  std::unordered_map<std::u32string, int32_t> vocab;
  size_t pos = 0;
  int32_t id = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    auto tok = DecodeUtf8(line);
    if (!tok.ok()) return tok.status().WithContext("vocab.txt line " + std::to_string(id + 1));
    vocab[*tok] = id++;  // a duplicate line takes the later id, as in Hugging Face
    pos = end + 1;
  }
  auto unk = vocab.find(U"[UNK]");
  if (unk == vocab.end()) return Status::InvalidArgument("vocab.txt: no [UNK] token");
  int32_t unk_id = unk->second;
  BertNormalizerOptions o;
  o.lowercase = lowercase;
  o.strip_accents = lowercase;
  auto core = std::make_unique<PipelineCore>(MakeBertNormalizer(o), MakeBertPreTokenizer(),
                                             std::make_unique<WordPiece>(std::move(vocab), unk_id));
  PostProcessor post = BertTemplate(core->TokenToId("[CLS]"), core->TokenToId("[SEP]"));
  if (post.single[0].special_id < 0 || post.single[2].special_id < 0) {
    return Status::InvalidArgument("vocab.txt: no [CLS] or [SEP] token");
  }
  return std::unique_ptr<Tokenizer>(new Tokenizer(std::move(core), std::move(post)));
}

Result<std::unique_ptr<Tokenizer>> Tokenizer::FromSentencePiece(const std::string& path) {
  RAGDB_ASSIGN_OR_RETURN(auto core, OpenSentencePieceCore(path));
  // fairseq ids: <s>=0 <pad>=1 </s>=2 <unk>=3.
  PostProcessor post = RobertaTemplate(0, 2);
  return std::unique_ptr<Tokenizer>(new Tokenizer(std::move(core), std::move(post)));
}

Result<std::unique_ptr<Tokenizer>> Tokenizer::Load(const std::string& dir, Arch arch) {
  nlohmann::json tcfg = nlohmann::json::object();
  if (std::string p = JoinPath(dir, "tokenizer_config.json"); FileExists(p)) {
    RAGDB_ASSIGN_OR_RETURN(std::string text, ReadFile(p));
    try {
      tcfg = nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception& e) {
      return Status::InvalidArgument(std::string("tokenizer_config.json: not valid JSON: ") +
                                     e.what());
    }
    if (!tcfg.is_object()) tcfg = nlohmann::json::object();
  }
  std::unique_ptr<Tokenizer> tok;
  if (std::string p = JoinPath(dir, "tokenizer.json"); FileExists(p)) {
    RAGDB_ASSIGN_OR_RETURN(std::string text, ReadFile(p));
    RAGDB_ASSIGN_OR_RETURN(tok, FromTokenizerJson(text, arch));
  } else if (std::string v = JoinPath(dir, "vocab.txt"); FileExists(v)) {
    RAGDB_ASSIGN_OR_RETURN(std::string text, ReadFile(v));
    bool lower = true;
    if (auto it = tcfg.find("do_lower_case"); it != tcfg.end() && it->is_boolean()) {
      lower = it->get<bool>();
    }
    RAGDB_ASSIGN_OR_RETURN(tok, FromVocabTxt(text, lower));
  } else if (std::string s = JoinPath(dir, "sentencepiece.bpe.model"); FileExists(s)) {
    RAGDB_ASSIGN_OR_RETURN(tok, FromSentencePiece(s));
  } else {
    return Status::NotFound(dir +
                            ": no tokenizer.json, vocab.txt or sentencepiece.bpe.model found");
  }
  // Hugging Face writes a huge sentinel (1e30) when the length is unknown.
  if (auto it = tcfg.find("model_max_length"); it != tcfg.end() && it->is_number()) {
    double v = it->get<double>();
    if (v >= 1 && v < 1e6) tok->model_max_length_ = static_cast<size_t>(v);
  }
  return tok;
}

Result<std::vector<int32_t>> Tokenizer::Tokenize(std::string_view text) const {
  std::vector<int32_t> ids;
  RAGDB_RETURN_IF_ERROR(core_->Tokenize(text, &ids));
  return ids;
}

Encoding Tokenizer::Assemble(const std::vector<TemplatePiece>& tmpl, const std::vector<int32_t>& a,
                             const std::vector<int32_t>* b) const {
  Encoding e;
  for (const auto& p : tmpl) {
    if (p.special_id >= 0) {
      e.ids.push_back(p.special_id);
      e.type_ids.push_back(p.type_id);
      continue;
    }
    const auto& seq = (p.seq == 0 || b == nullptr) ? a : *b;
    e.ids.insert(e.ids.end(), seq.begin(), seq.end());
    e.type_ids.insert(e.type_ids.end(), seq.size(), p.type_id);
  }
  return e;
}

Result<Encoding> Tokenizer::Encode(std::string_view text, size_t max_length) const {
  RAGDB_ASSIGN_OR_RETURN(std::vector<int32_t> ids, Tokenize(text));
  if (max_length > 0) {
    size_t specials = CountSpecials(post_.single);
    size_t budget = max_length > specials ? max_length - specials : 0;
    if (ids.size() > budget) ids.resize(budget);
  }
  return Assemble(post_.single, ids, nullptr);
}

Result<Encoding> Tokenizer::EncodePair(std::string_view a, std::string_view b,
                                       size_t max_length) const {
  RAGDB_ASSIGN_OR_RETURN(std::vector<int32_t> ia, Tokenize(a));
  RAGDB_ASSIGN_OR_RETURN(std::vector<int32_t> ib, Tokenize(b));
  if (max_length > 0) {
    size_t specials = CountSpecials(post_.pair);
    size_t budget = max_length > specials ? max_length - specials : 0;
    size_t na = ia.size(), nb = ib.size();
    while (na + nb > budget) {
      if (na > nb) {
        --na;
      } else {
        --nb;
      }
    }
    ia.resize(na);
    ib.resize(nb);
  }
  return Assemble(post_.pair, ia, &ib);
}

}  // namespace ragdb::model
