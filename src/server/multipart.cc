#include "server/multipart.h"

#include <algorithm>
#include <cctype>

namespace ragdb::server {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The value of parameter `key` in a header value such as `form-data; name="f"; filename="a b"`.
// Quoted values may contain ';' and backslash-escaped characters. Returns false when absent.
bool HeaderParam(std::string_view value, std::string_view key, std::string* out) {
  size_t i = value.find(';');
  while (i != std::string_view::npos && i < value.size()) {
    ++i;
    while (i < value.size() && (value[i] == ' ' || value[i] == '\t')) ++i;
    size_t eq = value.find('=', i);
    if (eq == std::string_view::npos) return false;
    std::string name = Lower(Trim(value.substr(i, eq - i)));
    size_t j = eq + 1;
    std::string v;
    if (j < value.size() && value[j] == '"') {
      ++j;
      while (j < value.size() && value[j] != '"') {
        if (value[j] == '\\' && j + 1 < value.size()) ++j;
        v += value[j++];
      }
      if (j < value.size()) ++j;  // closing quote
    } else {
      size_t end = value.find(';', j);
      v = std::string(Trim(value.substr(j, end == std::string_view::npos ? end : end - j)));
      j = end == std::string_view::npos ? value.size() : end;
    }
    if (name == key) {
      *out = std::move(v);
      return true;
    }
    i = value.find(';', j);
  }
  return false;
}

}  // namespace

bool IsMultipartFormData(std::string_view content_type) {
  return Lower(Trim(content_type.substr(0, content_type.find(';')))) == "multipart/form-data";
}

Result<std::vector<MultipartPart>> ParseMultipart(std::string_view content_type,
                                                  std::string_view body, size_t max_parts) {
  if (!IsMultipartFormData(content_type)) {
    return Status::InvalidArgument("expected Content-Type multipart/form-data");
  }
  std::string boundary;
  if (!HeaderParam(content_type, "boundary", &boundary) || boundary.empty() ||
      boundary.size() > 70) {
    return Status::InvalidArgument("multipart/form-data: missing or invalid boundary parameter");
  }
  const std::string delim = "--" + boundary;
  // The first delimiter may follow a preamble; later ones follow a CRLF.
  size_t pos;
  if (body.substr(0, delim.size()) == delim) {
    pos = delim.size();
  } else {
    size_t first = body.find("\r\n" + delim);
    if (first == std::string_view::npos) {
      return Status::InvalidArgument("multipart/form-data: the body has no boundary delimiter");
    }
    pos = first + 2 + delim.size();
  }
  const std::string next_delim = "\r\n" + delim;
  std::vector<MultipartPart> parts;
  for (;;) {
    if (body.substr(pos, 2) == "--") return parts;  // close delimiter
    // Transport padding, then the CRLF that ends the delimiter line.
    while (pos < body.size() && (body[pos] == ' ' || body[pos] == '\t')) ++pos;
    if (body.substr(pos, 2) != "\r\n") {
      return Status::InvalidArgument("multipart/form-data: malformed boundary line");
    }
    pos += 2;
    size_t head_end = body.find("\r\n\r\n", pos);
    size_t data_start;
    std::string_view head;
    if (body.substr(pos, 2) == "\r\n") {  // a part with no headers
      head = {};
      data_start = pos + 2;
    } else if (head_end == std::string_view::npos) {
      return Status::InvalidArgument("multipart/form-data: a part's headers are not terminated");
    } else {
      head = body.substr(pos, head_end - pos);
      data_start = head_end + 4;
    }
    size_t data_end = body.find(next_delim, data_start);
    if (data_end == std::string_view::npos) {
      return Status::InvalidArgument(
          "multipart/form-data: the body ends without the closing boundary (truncated upload?)");
    }
    if (parts.size() >= max_parts) {
      return Status::InvalidArgument("multipart/form-data: more than " + std::to_string(max_parts) +
                                     " parts");
    }
    MultipartPart part;
    bool disposition = false;
    size_t line_start = 0;
    while (line_start <= head.size() && !head.empty()) {
      size_t eol = head.find("\r\n", line_start);
      std::string_view line =
          head.substr(line_start, eol == std::string_view::npos ? eol : eol - line_start);
      size_t colon = line.find(':');
      if (colon != std::string_view::npos) {
        std::string hname = Lower(Trim(line.substr(0, colon)));
        std::string_view hvalue = Trim(line.substr(colon + 1));
        if (hname == "content-disposition") {
          if (Lower(Trim(hvalue.substr(0, hvalue.find(';')))) != "form-data") {
            return Status::InvalidArgument(
                "multipart/form-data: Content-Disposition of a part must be form-data");
          }
          disposition = HeaderParam(hvalue, "name", &part.name);
          HeaderParam(hvalue, "filename", &part.filename);
        } else if (hname == "content-type") {
          part.content_type = std::string(hvalue);
        }
      }
      if (eol == std::string_view::npos) break;
      line_start = eol + 2;
    }
    if (!disposition) {
      return Status::InvalidArgument("multipart/form-data: part " +
                                     std::to_string(parts.size() + 1) +
                                     " has no Content-Disposition name");
    }
    part.data = body.substr(data_start, data_end - data_start);
    parts.push_back(std::move(part));
    pos = data_end + next_delim.size();
  }
}

}  // namespace ragdb::server
