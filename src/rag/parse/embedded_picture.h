// A picture found inside a DOCX or PPTX: its text through OCR (when the OCR mode says so and
// the picture is big enough to hold text) and the picture itself, kept for image search when
// ParseOptions::extract_images is on. Formats the decoders do not read (EMF, WMF, GIF, SVG) and
// damaged pictures are passed over: a document is not refused for one bad illustration.
#pragma once

#include <string>

#include "rag/document_builder.h"
#include "rag/parse/parse.h"

namespace ragdb::rag {

// Fails only when OCR itself cannot run (a missing language model).
Status AddEmbeddedPicture(std::string bytes, const std::string& name, const std::string& caption,
                          const ParseOptions& options, DocumentBuilder* builder);

}  // namespace ragdb::rag
