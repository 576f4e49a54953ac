#include "rag/parse/ocr.h"

#include <tesseract/baseapi.h>
#include <tesseract/resultiterator.h>

#include <memory>
#include <mutex>

#include "base/utf8.h"

namespace ragdb::rag {
namespace {

struct Engine {
  std::string languages;
  std::unique_ptr<tesseract::TessBaseAPI> api;
  ~Engine() {
    if (api) api->End();
  }
};

Result<tesseract::TessBaseAPI*> EngineFor(const std::string& languages) {
  thread_local Engine engine;
  if (engine.api && engine.languages == languages) return engine.api.get();
  engine.api.reset();
  auto api = std::make_unique<tesseract::TessBaseAPI>();
  // Tesseract prints warnings ("Estimating resolution as ...") to stderr unless told otherwise.
  api->SetVariable("debug_file", "/dev/null");
  if (api->Init(nullptr, languages.c_str(), tesseract::OEM_LSTM_ONLY) != 0) {
    std::string packages;
    for (size_t b = 0; b <= languages.size();) {
      size_t e = languages.find('+', b);
      if (e == std::string::npos) e = languages.size();
      std::string lang = languages.substr(b, e - b);
      for (char& c : lang) c = c == '_' ? '-' : c;
      packages += (packages.empty() ? "" : " ") + std::string("tesseract-ocr-") + lang;
      b = e + 1;
    }
    return Status::InvalidArgument("ocr: cannot load the Tesseract model(s) for '" + languages +
                                   "' (install " + packages + ")");
  }
  api->SetVariable("debug_file", "/dev/null");
  engine.api = std::move(api);
  engine.languages = languages;
  return engine.api.get();
}

bool IsCjkChar(char32_t c) {
  return (c >= 0x2E80 && c <= 0x9FFF) || (c >= 0xF900 && c <= 0xFAFF) ||
         (c >= 0xFF00 && c <= 0xFFEF) || (c >= 0x20000 && c <= 0x2FA1F);
}

char32_t FirstCodePoint(std::string_view s) {
  size_t i = 0;
  char32_t c = 0;
  return DecodeUtf8(s, &i, &c) ? c : 0;
}

char32_t LastCodePoint(std::string_view s) {
  size_t i = s.size();
  while (i > 0 && (static_cast<unsigned char>(s[i - 1]) & 0xC0) == 0x80) --i;
  if (i > 0) --i;
  char32_t c = 0;
  return DecodeUtf8(s, &i, &c) ? c : 0;
}

}  // namespace

std::string LineText(const OcrLine& line) {
  std::string out;
  for (const OcrWord& w : line.words) {
    if (!out.empty() && !(IsCjkChar(LastCodePoint(out)) && IsCjkChar(FirstCodePoint(w.text)))) {
      out.push_back(' ');
    }
    out += w.text;
  }
  return out;
}

Result<OcrPage> RecognizeText(const vision::Image& image, const OcrOptions& options, int dpi) {
  if (image.empty()) return OcrPage{};
  RAGDB_ASSIGN_OR_RETURN(tesseract::TessBaseAPI * api, EngineFor(options.languages));
  api->SetImage(image.rgb.data(), image.width, image.height, 3, image.width * 3);
  api->SetSourceResolution(dpi > 0 ? dpi : 300);
  if (api->Recognize(nullptr) != 0) {
    api->Clear();
    return Status::Internal("ocr: Tesseract failed to recognize the image");
  }
  OcrPage page;
  double confidence_sum = 0;
  std::unique_ptr<tesseract::ResultIterator> it(api->GetIterator());
  if (it) {
    const auto word_level = tesseract::RIL_WORD;
    do {
      if (it->Empty(word_level)) continue;
      if (page.paragraphs.empty() || it->IsAtBeginningOf(tesseract::RIL_PARA)) {
        page.paragraphs.emplace_back();
      }
      OcrParagraph& para = page.paragraphs.back();
      if (para.lines.empty() || it->IsAtBeginningOf(tesseract::RIL_TEXTLINE)) {
        para.lines.emplace_back();
      }
      std::unique_ptr<char[]> text(it->GetUTF8Text(word_level));
      const float conf = it->Confidence(word_level);
      if (!text || conf < options.min_word_confidence) continue;
      OcrWord w;
      w.text = text.get();
      while (!w.text.empty() && (w.text.back() == ' ' || w.text.back() == '\n')) w.text.pop_back();
      if (w.text.empty()) continue;
      int l = 0, t = 0, r = 0, b = 0;
      it->BoundingBox(word_level, &l, &t, &r, &b);
      w.box = {static_cast<float>(l), static_cast<float>(t), static_cast<float>(r),
               static_cast<float>(b)};
      w.confidence = conf;
      confidence_sum += conf;
      ++page.words;
      para.lines.back().box.Extend(w.box);
      para.box.Extend(w.box);
      para.lines.back().words.push_back(std::move(w));
    } while (it->Next(word_level));
  }
  api->Clear();
  // Drop lines and paragraphs that lost all their words to the confidence cut.
  for (OcrParagraph& p : page.paragraphs) {
    std::erase_if(p.lines, [](const OcrLine& l) { return l.words.empty(); });
  }
  std::erase_if(page.paragraphs, [](const OcrParagraph& p) { return p.lines.empty(); });
  page.mean_confidence =
      page.words > 0 ? static_cast<float>(confidence_sum / static_cast<double>(page.words)) : 0;
  return page;
}

size_t AddOcrText(const OcrPage& page, double scale, DocumentBuilder* builder) {
  size_t words = 0;
  for (const OcrParagraph& p : page.paragraphs) {
    std::string text;
    double conf = 0;
    size_t n = 0;
    for (const OcrLine& l : p.lines) {
      std::string line = LineText(l);
      // Lines of Chinese join without a space; others with one.
      if (!text.empty() && !(IsCjkChar(LastCodePoint(text)) && IsCjkChar(FirstCodePoint(line)))) {
        text.push_back(' ');
      }
      text += line;
      for (const OcrWord& w : l.words) conf += w.confidence, ++n;
    }
    BoundingBox box = p.box;
    box.x0 = static_cast<float>(box.x0 * scale);
    box.y0 = static_cast<float>(box.y0 * scale);
    box.x1 = static_cast<float>(box.x1 * scale);
    box.y1 = static_cast<float>(box.y1 * scale);
    builder->AddOcrParagraph(text, box, n > 0 ? static_cast<float>(conf / n) : 0);
    words += n;
  }
  return words;
}

}  // namespace ragdb::rag
