// Request metrics in the Prometheus text format. Routes are labelled by their template
// ("/collections/{collection_name}/points"), never by the raw path, so the label set stays bounded.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <tuple>

namespace ragdb::server {

class Metrics {
 public:
  static constexpr std::array<double, 14> kBuckets = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

  void Observe(const std::string& method, const std::string& route, int code, double seconds);
  // ragdb_http_requests_total and ragdb_http_request_duration_seconds.
  std::string Render() const;

 private:
  struct Histogram {
    std::array<uint64_t, kBuckets.size()> buckets{};
    uint64_t count = 0;
    double sum = 0;
  };
  mutable std::mutex mu_;
  std::map<std::tuple<std::string, std::string, int>, uint64_t> requests_;
  std::map<std::pair<std::string, std::string>, Histogram> latency_;
};

// "a\"b" -> a\\\"b : a Prometheus label value.
std::string PromEscape(const std::string& s);

}  // namespace ragdb::server
