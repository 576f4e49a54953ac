// A stand-in for the `ragdb` binary's dispatcher (src/cli) with only the serve command, so the
// server's black-box tests can run before, or without, the full CLI:
//   ragdb_serve --data DIR serve [serve flags]
#include <cstdio>
#include <string>
#include <vector>

#include "server/serve_command.h"

int main(int argc, char** argv) {
  std::string data;
  std::vector<std::string> rest;
  bool serve = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--data" && i + 1 < argc) {
      data = argv[++i];
    } else if (!serve && a == "serve") {
      serve = true;
    } else {
      rest.push_back(a);
    }
  }
  if (data.empty() || !serve) {
    fprintf(stderr, "usage: %s --data DIR serve [options]\n", argv[0]);
    return 2;
  }
  return ragdb::server::RunServeCommand(data, rest);
}
