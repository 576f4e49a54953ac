// `ragdb --data DIR serve [--host H] [--port P] [--config FILE] [--admin-key K]`: runs the HTTP
// server until SIGTERM/SIGINT, then drains requests, closes the databases and returns 0.
#pragma once

#include <string>
#include <vector>

namespace ragdb::server {

// `args` are the words after "serve". Returns the process exit code (0 after a clean shutdown,
// 2 on a usage error, 1 when the server cannot start).
int RunServeCommand(const std::string& data_dir, const std::vector<std::string>& args);

}  // namespace ragdb::server
