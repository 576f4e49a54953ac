#include "server/metrics.h"

#include <cstdio>

namespace ragdb::server {

std::string PromEscape(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (c == '\\' || c == '"') out.push_back('\\');
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out.push_back(c);
  }
  return out;
}

void Metrics::Observe(const std::string& method, const std::string& route, int code,
                      double seconds) {
  std::lock_guard<std::mutex> lock(mu_);
  requests_[{method, route, code}]++;
  Histogram& h = latency_[{method, route}];
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) {
      h.buckets[i]++;
      break;  // cumulative sums are formed in Render
    }
  }
  h.count++;
  h.sum += seconds;
}

std::string Metrics::Render() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::string out;
  out += "# HELP ragdb_http_requests_total HTTP requests answered, by route template and code.\n";
  out += "# TYPE ragdb_http_requests_total counter\n";
  for (const auto& [k, n] : requests_) {
    const auto& [method, route, code] = k;
    out += "ragdb_http_requests_total{method=\"" + method + "\",route=\"" + PromEscape(route) +
           "\",code=\"" + std::to_string(code) + "\"} " + std::to_string(n) + "\n";
  }
  out += "# HELP ragdb_http_request_duration_seconds Time to answer, by route template.\n";
  out += "# TYPE ragdb_http_request_duration_seconds histogram\n";
  char num[64];
  for (const auto& [k, h] : latency_) {
    std::string labels = "method=\"" + k.first + "\",route=\"" + PromEscape(k.second) + "\"";
    uint64_t cum = 0;
    for (size_t i = 0; i < kBuckets.size(); ++i) {
      cum += h.buckets[i];
      snprintf(num, sizeof(num), "%g", kBuckets[i]);
      out += "ragdb_http_request_duration_seconds_bucket{" + labels + ",le=\"" + num + "\"} " +
             std::to_string(cum) + "\n";
    }
    out += "ragdb_http_request_duration_seconds_bucket{" + labels + ",le=\"+Inf\"} " +
           std::to_string(h.count) + "\n";
    snprintf(num, sizeof(num), "%.9g", h.sum);
    out += "ragdb_http_request_duration_seconds_sum{" + labels + "} " + num + "\n";
    out += "ragdb_http_request_duration_seconds_count{" + labels + "} " + std::to_string(h.count) +
           "\n";
  }
  return out;
}

}  // namespace ragdb::server
