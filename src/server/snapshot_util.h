// What collection snapshots (snapshots.cc) and full snapshots (full_snapshots.cc) share: names,
// descriptions, downloads, where a recovery reads its archive from, and the recovery of one
// collection.
#pragma once

#include <string>

#include "server/app.h"

namespace ragdb::server {

// Snapshot file names are ours: [A-Za-z0-9_.-], ending in ".snapshot", no "..".
Status ValidateSnapshotName(const std::string& name);
// "<prefix>-YYYY-MM-DD-hh-mm-ss-<random>.snapshot".
Result<std::string> NewSnapshotName(const std::string& prefix);
// {"name", "creation_time", "size", "checksum"} of dir/name; NotFound when it does not exist.
Result<Json> DescribeSnapshot(const std::string& dir, const std::string& name);
// The descriptions of the snapshots in `dir` (none when it does not exist).
Result<Json> ListSnapshotsIn(const std::string& dir);
// dir/name after checking the name (no path traversal); NotFound when there is no such file.
Result<std::string> SnapshotFileIn(const std::string& dir, const std::string& name);
// Removes a snapshot file and its checksum.
Status RemoveSnapshotFile(const std::string& path);
// Archives collection `name` of the caller's tenant into dir/file (+ ".checksum", SHA-256) while
// its write gate is held exclusively, so the archive is one consistent state of it.
Result<Json> TakeCollectionSnapshot(Ctx& ctx, const std::string& name, const std::string& dir,
                                    const std::string& file);
// Answers the request with the file, streamed in 1 MiB pieces.
Status StreamSnapshotFile(Ctx& ctx, const std::string& path, const std::string& name);

// The archive a recovery reads: a local file, or one downloaded from an http(s) URL into the
// tenant's snapshots folder (temporary: the caller removes it).
struct SnapshotSource {
  std::string path;
  std::string checksum;  // expected SHA-256 (hex); empty = not checked
  bool temporary = false;
};
// From a body {"location": "file:///..." | "http(s)://...", "checksum"}. Non-admin keys may name
// only files in their tenant's snapshot folders, and no URLs.
Result<SnapshotSource> OpenSnapshotLocation(Ctx& ctx, const Json& body);

// Replaces (or creates) collection `name` of the caller's tenant with a collection snapshot's
// contents: the checksum is checked, the archive opened as a database in a scratch folder (every
// file checksum verified, the log replayed), and only then swapped in while the tenant's database
// is closed.
Status RecoverCollection(Ctx& ctx, const std::string& name, const std::string& tar_path,
                         const std::string& expected_checksum);

}  // namespace ragdb::server
