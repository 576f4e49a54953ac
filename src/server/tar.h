// A minimal POSIX ustar writer and a strict reader, for collection snapshots. Only regular files
// and directories; the reader refuses absolute names, "..", links and devices, so an uploaded
// archive can never write outside the folder it is extracted into.
#pragma once

#include <string>
#include <vector>

#include "ragdb/status.h"

namespace ragdb::server {

// Writes the files of `dir` (recursively; names relative to it) into `out_path`, fsyncs it, and
// returns the SHA-256 (hex) of the archive.
Result<std::string> WriteTarOfDir(const std::string& dir, const std::string& out_path);
// Extracts `tar_path` into `dir` (created). Fails on anything but files and directories with
// safe relative names, and on a bad header checksum or a truncated archive.
Status ExtractTar(const std::string& tar_path, const std::string& dir);
// SHA-256 (hex) of a file, streamed.
Result<std::string> Sha256File(const std::string& path);

}  // namespace ragdb::server
