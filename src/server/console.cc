// The web console (docs/console.md): GET /console serves web/index.html and /console/{file} the
// other files of web/, all compiled into the binary. The pages hold no data and need no key:
// every call they make goes to the API with the key the user typed, so the API's own checks
// apply. The security headers keep the pages from loading anything but the server's own files.
#include <cstdint>
#include <cstdio>
#include <map>

#include "server/app.h"
#include "server/console_assets.h"

namespace ragdb::server {
namespace {

std::string_view ContentType(std::string_view name) {
  static const std::map<std::string_view, std::string_view> kTypes = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".json", "application/json"},
      {".txt", "text/plain; charset=utf-8"}};
  size_t dot = name.rfind('.');
  if (dot != std::string_view::npos) {
    auto it = kTypes.find(name.substr(dot));
    if (it != kTypes.end()) return it->second;
  }
  return "application/octet-stream";
}

// A validator for conditional requests: FNV-1a of the bytes (they change only with the binary).
std::string ETag(std::string_view bytes) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 1099511628211ull;
  }
  char buf[24];
  snprintf(buf, sizeof(buf), "\"%016llx\"", static_cast<unsigned long long>(h));
  return buf;
}

struct Served {
  const ConsoleAsset* asset;
  std::string etag;
};

const std::map<std::string_view, Served>& Files() {
  static const auto* files = [] {
    auto* m = new std::map<std::string_view, Served>();
    for (const ConsoleAsset& a : ConsoleAssets()) (*m)[a.name] = {&a, ETag(a.bytes)};
    return m;
  }();
  return *files;
}

Result<Json> Serve(Ctx& ctx, std::string_view name) {
  auto it = Files().find(name);
  if (it == Files().end()) {
    return Status::NotFound("the console has no file '" + std::string(name) + "'");
  }
  HttpResponse r;
  r.content_type = std::string(ContentType(name));
  r.headers = {{"Cache-Control", "no-cache"},
               {"ETag", it->second.etag},
               {"X-Content-Type-Options", "nosniff"},
               {"Referrer-Policy", "no-referrer"},
               {"X-Frame-Options", "DENY"},
               {"Content-Security-Policy",
                "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"}};
  if (ctx.req.Header("if-none-match") == it->second.etag) {
    r.status = 304;
  } else {
    r.body = std::string(it->second.asset->bytes);
  }
  ctx.raw = std::move(r);
  return Json(nullptr);
}

}  // namespace

void RegisterConsoleRoutes(App& app) {
  app.Route(
      "GET", "/console", Access::kPublic, [](Ctx& ctx) { return Serve(ctx, "index.html"); },
      Runs::kInline);
  app.Route(
      "GET", "/console/{file}", Access::kPublic,
      [](Ctx& ctx) { return Serve(ctx, ctx.Param("file")); }, Runs::kInline);
}

}  // namespace ragdb::server
