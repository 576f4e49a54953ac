#include "rag/text_clean.h"

#include <unicode/bytestream.h>
#include <unicode/normalizer2.h>
#include <unicode/stringpiece.h>

#include <algorithm>

namespace ragdb::rag {

Status CheckUtf8(std::string_view text, std::string_view what) {
  size_t bad = FindInvalidUtf8(text);
  if (bad == std::string_view::npos) return Status::Ok();
  return Status::InvalidArgument(std::string(what) + ": invalid UTF-8 at byte " +
                                 std::to_string(bad));
}

std::string Latin1ToUtf8(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() + bytes.size() / 8);
  for (unsigned char c : bytes) AppendUtf8(c, &out);
  return out;
}

std::string_view StripBom(std::string_view text) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  return text;
}

uint32_t DecodeUtf8(std::string_view s, size_t* pos) {
  char32_t cp;
  if (ragdb::DecodeUtf8(s, pos, &cp)) return cp;
  ++*pos;
  return 0xFFFD;
}

std::string NormalizeNfc(std::string_view text) {
  if (std::all_of(text.begin(), text.end(), [](char c) { return (c & 0x80) == 0; })) {
    return std::string(text);
  }
  UErrorCode err = U_ZERO_ERROR;
  const icu::Normalizer2* nfc = icu::Normalizer2::getNFCInstance(err);
  if (U_FAILURE(err)) return std::string(text);  // ICU data missing: keep the text as is
  icu::StringPiece piece(text.data(), static_cast<int32_t>(text.size()));
  if (nfc->isNormalizedUTF8(piece, err) && U_SUCCESS(err)) return std::string(text);
  err = U_ZERO_ERROR;
  std::string out;
  icu::StringByteSink<std::string> sink(&out, static_cast<int32_t>(text.size()));
  nfc->normalizeUTF8(0, piece, sink, nullptr, err);
  if (U_FAILURE(err)) return std::string(text);
  return out;
}

namespace {

bool IsSpaceCp(uint32_t cp) {
  return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cp == '\f' || cp == '\v' ||
         cp == 0x85 || cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) ||
         cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

// Control and invisible characters that carry no text: C0/C1 controls, zero-width space, BOM.
bool IsDroppedCp(uint32_t cp) {
  return (cp < 0x20 && cp != '\t' && cp != '\n') || cp == 0x7F || (cp >= 0x80 && cp < 0xA0) ||
         cp == 0x200B || cp == 0xFEFF;
}

}  // namespace

std::string CollapseWhitespace(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool pending_space = false;
  size_t i = 0;
  while (i < text.size()) {
    size_t at = i;
    uint32_t cp = DecodeUtf8(text, &i);
    if (IsSpaceCp(cp)) {
      pending_space = !out.empty();
      continue;
    }
    if (IsDroppedCp(cp)) continue;
    if (pending_space) out.push_back(' ');
    pending_space = false;
    out.append(text.substr(at, i - at));
  }
  return out;
}

std::string CleanLines(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    size_t at = i;
    uint32_t cp = DecodeUtf8(text, &i);
    if (cp == '\r') {
      if (i < text.size() && text[i] == '\n') continue;  // CRLF: keep the LF only
      cp = '\n';
    }
    if (cp == '\n') {
      while (!out.empty() && (out.back() == ' ' || out.back() == '\t')) out.pop_back();
      out.push_back('\n');
      continue;
    }
    if (IsDroppedCp(cp)) continue;
    out.append(text.substr(at, i - at));
  }
  while (!out.empty() && (out.back() == ' ' || out.back() == '\t' || out.back() == '\n')) {
    out.pop_back();
  }
  // Leading blank lines only: leading indentation of the first line is part of code.
  size_t first = 0;
  for (size_t k = 0; k < out.size(); ++k) {
    if (out[k] == '\n') {
      first = k + 1;
    } else if (out[k] != ' ' && out[k] != '\t') {
      break;
    }
  }
  return out.substr(first);
}

}  // namespace ragdb::rag
