#include "server/router.h"

#include "server/http.h"

namespace ragdb::server {
namespace {

std::vector<std::string_view> Split(std::string_view path) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '/') {
      ++i;
      continue;
    }
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    out.push_back(path.substr(i, j - i));
    i = j;
  }
  return out;
}

bool IsParam(std::string_view s) { return s.size() >= 2 && s.front() == '{' && s.back() == '}'; }

}  // namespace

const std::string& RouteMatch::Param(std::string_view name) const {
  static const std::string kEmpty;
  for (const auto& [k, v] : params) {
    if (k == name) return v;
  }
  return kEmpty;
}

int Router::Add(std::string method, std::string pattern) {
  Route r;
  r.method = std::move(method);
  for (auto s : Split(pattern)) r.segments.emplace_back(s);
  r.pattern = std::move(pattern);
  routes_.push_back(std::move(r));
  return static_cast<int>(routes_.size()) - 1;
}

RouteMatch Router::Match(std::string_view method, std::string_view path) const {
  RouteMatch out;
  auto raw = Split(path);
  std::vector<std::string> segs;
  segs.reserve(raw.size());
  for (auto s : raw) {
    std::string d;
    if (!PercentDecode(s, &d)) {
      out.kind = RouteMatch::Kind::kBadPath;
      return out;
    }
    segs.push_back(std::move(d));
  }
  // Best match: most literal segments; ties go to the first added.
  int best = -1, best_literals = -1;
  bool path_matched = false;
  for (size_t i = 0; i < routes_.size(); ++i) {
    const Route& r = routes_[i];
    if (r.segments.size() != segs.size()) continue;
    int literals = 0;
    bool ok = true;
    for (size_t k = 0; k < segs.size() && ok; ++k) {
      if (IsParam(r.segments[k])) continue;
      if (r.segments[k] != segs[k]) ok = false;
      ++literals;
    }
    if (!ok) continue;
    path_matched = true;
    if (r.method != method) continue;
    if (literals > best_literals) {
      best = static_cast<int>(i);
      best_literals = literals;
    }
  }
  if (best < 0) {
    out.kind = path_matched ? RouteMatch::Kind::kMethodNotAllowed : RouteMatch::Kind::kNotFound;
    return out;
  }
  out.kind = RouteMatch::Kind::kFound;
  out.route = best;
  const Route& r = routes_[best];
  for (size_t k = 0; k < segs.size(); ++k) {
    if (IsParam(r.segments[k])) {
      out.params.emplace_back(r.segments[k].substr(1, r.segments[k].size() - 2), segs[k]);
    }
  }
  return out;
}

}  // namespace ragdb::server
