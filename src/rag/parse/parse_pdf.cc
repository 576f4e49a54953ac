// PDF through poppler-cpp: text per page in physical layout, blocks from pdf_layout.h.
//
// Checks before poppler sees the bytes: a "%PDF-" header in the first KiB and a "%%EOF" marker in
// the last 4 KiB. poppler silently rebuilds a cut-off file from what is left, which would index
// a partial document without anyone noticing; we report it as Corruption instead. Encrypted
// files are PermissionDenied; files without any text (scans) are InvalidArgument, as OCR is out
// of scope.
#include <poppler/cpp/poppler-document.h>
#include <poppler/cpp/poppler-global.h>
#include <poppler/cpp/poppler-page.h>

#include <climits>
#include <memory>
#include <mutex>
#include <string>

#include "rag/document_builder.h"
#include "rag/parse/parsers.h"
#include "rag/parse/pdf_layout.h"
#include "rag/text_clean.h"

namespace ragdb::rag {

namespace {

void IgnorePopplerMessage(const std::string&, void*) {}

}  // namespace

Result<ParsedDocument> ParsePdf(std::string_view bytes, const ParseOptions& options) {
  if (bytes.substr(0, 1024).find("%PDF-") == std::string_view::npos) {
    return Status::InvalidArgument("pdf: not a PDF file (no %PDF- header)");
  }
  std::string_view tail = bytes.substr(bytes.size() > 4096 ? bytes.size() - 4096 : 0);
  if (tail.find("%%EOF") == std::string_view::npos) {
    return Status::Corruption("pdf: truncated file (no %%EOF marker at the end)");
  }
  if (bytes.size() > static_cast<size_t>(INT_MAX)) {
    return Status::ResourceExhausted("pdf: input over 2 GiB");
  }
  static std::once_flag quiet;
  std::call_once(quiet, [] { poppler::set_debug_error_function(IgnorePopplerMessage, nullptr); });

  std::unique_ptr<poppler::document> doc(
      poppler::document::load_from_raw_data(bytes.data(), static_cast<int>(bytes.size())));
  if (!doc) return Status::Corruption("pdf: poppler could not load the document (damaged file)");
  if (doc->is_locked()) return Status::PermissionDenied("pdf: encrypted, a password is needed");

  DocumentBuilder builder(Format::kPdf);
  int pages = doc->pages();
  builder.set_page_count(pages);
  poppler::ustring title = doc->get_title();
  if (!title.empty()) {
    poppler::byte_array t = title.to_utf8();
    std::string s(t.begin(), t.end());
    if (FindInvalidUtf8(s) == std::string::npos) builder.set_title(s);
  }
  for (int p = 0; p < pages; ++p) {
    std::unique_ptr<poppler::page> page(doc->create_page(p));
    if (!page) continue;
    poppler::byte_array utf8 =
        page->text(poppler::rectf(), poppler::page::physical_layout).to_utf8();
    std::string text(utf8.begin(), utf8.end());
    if (FindInvalidUtf8(text) != std::string::npos) text = Latin1ToUtf8(text);
    builder.set_page(p + 1);
    AddPdfPageText(text, &builder);
  }
  if (builder.block_count() == 0) {
    return Status::InvalidArgument("pdf: no extractable text in " + std::to_string(pages) +
                                   " page(s) (scanned images need OCR, which is not supported)");
  }
  return std::move(builder).Finish();
}

}  // namespace ragdb::rag
