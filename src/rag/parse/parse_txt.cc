// Plain text: paragraphs are separated by blank lines; lines inside a paragraph are joined.
#include <string>

#include "rag/document_builder.h"
#include "rag/parse/parsers.h"
#include "rag/text_clean.h"

namespace ragdb::rag {

namespace {

bool IsBlankLine(std::string_view line) {
  return line.find_first_not_of(" \t\r\f\v") == std::string_view::npos;
}

}  // namespace

Result<ParsedDocument> ParseText(std::string_view bytes, const ParseOptions& options) {
  std::string decoded;
  auto checked = CheckTextInput(bytes, "txt");
  if (!checked.ok()) {
    if (!options.latin1_fallback || bytes.find('\0') != std::string_view::npos) {
      return checked.status();
    }
    decoded = Latin1ToUtf8(bytes);
  } else {
    decoded = std::string(*checked);
  }
  DocumentBuilder builder(Format::kText);
  std::string_view text = decoded;
  std::string para;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = text.substr(pos, nl - pos);
    if (IsBlankLine(line)) {
      builder.AddParagraph(para);
      para.clear();
    } else {
      if (!para.empty()) para.push_back(' ');
      para.append(line);
    }
    pos = nl + 1;
  }
  builder.AddParagraph(para);
  return std::move(builder).Finish();
}

}  // namespace ragdb::rag
