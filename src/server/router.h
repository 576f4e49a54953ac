// Path-template routing: "/collections/{collection_name}/points/{id}". The template string is
// also the label that /metrics uses, so metrics stay bounded whatever paths clients send.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ragdb::server {

struct RouteMatch {
  enum class Kind { kFound, kNotFound, kMethodNotAllowed, kBadPath };
  Kind kind = Kind::kNotFound;
  int route = -1;                                           // index given by Add()
  std::vector<std::pair<std::string, std::string>> params;  // name -> decoded segment

  const std::string& Param(std::string_view name) const;
};

class Router {
 public:
  // Returns the route's index. Literal segments win over {params} at the same depth.
  int Add(std::string method, std::string pattern);
  // `path` is still percent-encoded; each segment is decoded after splitting, so "%2F" inside a
  // segment never creates a new segment (it reaches the handler as '/', for it to reject).
  RouteMatch Match(std::string_view method, std::string_view path) const;
  const std::string& pattern(int route) const { return routes_[route].pattern; }

 private:
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;  // "{x}" marks a parameter
  };
  std::vector<Route> routes_;
};

}  // namespace ragdb::server
