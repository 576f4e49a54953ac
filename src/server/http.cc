#include "server/http.h"

#include <nlohmann/json.hpp>

#include "base/json_text.h"

namespace ragdb::server {

std::string_view HttpRequest::Header(std::string_view lower_name) const {
  for (const auto& [k, v] : headers) {
    if (k == lower_name) return v;
  }
  return {};
}

std::string_view HttpRequest::Query(std::string_view name, std::string_view fallback) const {
  for (const auto& [k, v] : query) {
    if (k == name) return v;
  }
  return fallback;
}

HttpResponse ErrorResponse(int status, std::string_view message, double seconds) {
  nlohmann::json j = {{"status", {{"error", std::string(message)}}}, {"time", seconds}};
  HttpResponse r;
  r.status = status;
  // dump with replace: a message that quotes invalid UTF-8 from the request must not throw.
  r.body = WriteJson(j);
  return r;
}

namespace {
int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

bool PercentDecode(std::string_view in, std::string* out) {
  out->clear();
  out->reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out->push_back(in[i]);
      continue;
    }
    if (i + 2 >= in.size()) return false;
    int hi = HexValue(in[i + 1]), lo = HexValue(in[i + 2]);
    if (hi < 0 || lo < 0) return false;
    out->push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return true;
}

std::vector<std::pair<std::string, std::string>> ParseQueryString(std::string_view qs) {
  std::vector<std::pair<std::string, std::string>> out;
  while (!qs.empty()) {
    size_t amp = qs.find('&');
    std::string_view part = qs.substr(0, amp);
    qs = amp == std::string_view::npos ? std::string_view() : qs.substr(amp + 1);
    if (part.empty()) continue;
    size_t eq = part.find('=');
    std::string_view k = part.substr(0, eq);
    std::string_view v = eq == std::string_view::npos ? std::string_view() : part.substr(eq + 1);
    std::string kd, vd;
    std::string vplus(v);
    for (char& c : vplus) {
      if (c == '+') c = ' ';  // form encoding in query strings
    }
    if (!PercentDecode(k, &kd)) kd = std::string(k);
    if (!PercentDecode(vplus, &vd)) vd = vplus;
    out.emplace_back(std::move(kd), std::move(vd));
  }
  return out;
}

}  // namespace ragdb::server
