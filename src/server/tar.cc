#include "server/tar.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>

#include "base/file.h"

namespace ragdb::server {
namespace {

namespace fs = std::filesystem;
constexpr size_t kBlock = 512;

struct Sha256 {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx{EVP_MD_CTX_new(), EVP_MD_CTX_free};
  Sha256() { EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr); }
  void Update(const void* p, size_t n) { EVP_DigestUpdate(ctx.get(), p, n); }
  std::string Hex() {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_DigestFinal_ex(ctx.get(), md, &len);
    static const char* d = "0123456789abcdef";
    std::string out;
    for (unsigned i = 0; i < len; ++i) {
      out.push_back(d[md[i] >> 4]);
      out.push_back(d[md[i] & 15]);
    }
    return out;
  }
};

void Octal(char* field, size_t width, uint64_t v) {
  snprintf(field, width, "%0*llo", static_cast<int>(width - 1), static_cast<unsigned long long>(v));
}

uint64_t ParseOctal(const char* field, size_t width) {
  uint64_t v = 0;
  for (size_t i = 0; i < width && field[i]; ++i) {
    if (field[i] == ' ') continue;
    if (field[i] < '0' || field[i] > '7') break;
    v = v * 8 + static_cast<uint64_t>(field[i] - '0');
  }
  return v;
}

unsigned HeaderChecksum(const char* h) {
  unsigned sum = 0;
  for (size_t i = 0; i < kBlock; ++i) {
    sum += (i >= 148 && i < 156) ? ' ' : static_cast<unsigned char>(h[i]);
  }
  return sum;
}

// Fills a ustar header; names longer than 100 bytes use the prefix field.
Status MakeHeader(const std::string& name, uint64_t size, char type, char* h) {
  memset(h, 0, kBlock);
  if (name.size() <= 100) {
    memcpy(h, name.data(), name.size());
  } else {
    size_t cut = name.rfind('/', 155);
    if (cut == std::string::npos || name.size() - cut - 1 > 100) {
      return Status::InvalidArgument("file name too long for a snapshot: " + name);
    }
    memcpy(h + 345, name.data(), cut);
    memcpy(h, name.data() + cut + 1, name.size() - cut - 1);
  }
  Octal(h + 100, 8, type == '5' ? 0755 : 0644);
  Octal(h + 108, 8, 0);
  Octal(h + 116, 8, 0);
  Octal(h + 124, 12, size);
  Octal(h + 136, 12, static_cast<uint64_t>(time(nullptr)));
  h[156] = type;
  memcpy(h + 257, "ustar", 6);
  memcpy(h + 263, "00", 2);
  snprintf(h + 148, 8, "%06o", HeaderChecksum(h));
  h[155] = ' ';
  return Status::Ok();
}

bool SafeName(const std::string& name) {
  if (name.empty() || name[0] == '/') return false;
  size_t start = 0;
  while (start <= name.size()) {
    size_t slash = name.find('/', start);
    std::string part =
        name.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    if (part == ".." || (part.empty() && slash != std::string::npos && slash + 1 < name.size())) {
      return false;
    }
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return name.find('\0') == std::string::npos;
}

}  // namespace

Result<std::string> WriteTarOfDir(const std::string& dir, const std::string& out_path) {
  std::vector<fs::path> files;
  std::vector<fs::path> dirs;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    if (it->is_directory()) dirs.push_back(fs::relative(it->path(), dir));
    if (it->is_regular_file()) files.push_back(fs::relative(it->path(), dir));
  }
  if (ec) return Status::IOError("listing " + dir + ": " + ec.message());
  std::sort(files.begin(), files.end());
  std::sort(dirs.begin(), dirs.end());
  FILE* out = fopen(out_path.c_str(), "wb");
  if (!out) return Status::IOError("cannot create " + out_path + ": " + strerror(errno));
  Sha256 sha;
  Status status;
  auto put = [&](const void* p, size_t n) {
    if (status.ok() && fwrite(p, 1, n, out) != n) {
      status = Status::IOError("write " + out_path + ": " + strerror(errno));
    }
    sha.Update(p, n);
  };
  char h[kBlock];
  for (const auto& d : dirs) {
    Status s = MakeHeader(d.string() + "/", 0, '5', h);
    if (!s.ok()) status = s;
    put(h, kBlock);
  }
  std::vector<char> buf(1 << 20);
  for (const auto& f : files) {
    std::string full = (fs::path(dir) / f).string();
    FILE* in = fopen(full.c_str(), "rb");
    if (!in) {
      status = Status::IOError("cannot read " + full + ": " + strerror(errno));
      break;
    }
    struct stat st;
    fstat(fileno(in), &st);
    uint64_t size = static_cast<uint64_t>(st.st_size);
    Status s = MakeHeader(f.string(), size, '0', h);
    if (!s.ok()) status = s;
    put(h, kBlock);
    uint64_t left = size;
    while (left > 0 && status.ok()) {
      size_t n = fread(buf.data(), 1, std::min<uint64_t>(buf.size(), left), in);
      if (n == 0) {
        status = Status::IOError(full + " shrank while being copied");
        break;
      }
      put(buf.data(), n);
      left -= n;
    }
    fclose(in);
    size_t pad = (kBlock - size % kBlock) % kBlock;
    memset(buf.data(), 0, kBlock);
    put(buf.data(), pad);
  }
  memset(buf.data(), 0, 2 * kBlock);
  put(buf.data(), 2 * kBlock);
  if (status.ok() && (fflush(out) != 0 || fsync(fileno(out)) != 0)) {
    status = Status::IOError("fsync " + out_path + ": " + strerror(errno));
  }
  fclose(out);
  if (!status.ok()) {
    unlink(out_path.c_str());
    return status;
  }
  return sha.Hex();
}

Status ExtractTar(const std::string& tar_path, const std::string& dir) {
  FILE* in = fopen(tar_path.c_str(), "rb");
  if (!in) return Status::NotFound("cannot open snapshot " + tar_path);
  std::unique_ptr<FILE, decltype(&fclose)> closer(in, fclose);
  RAGDB_RETURN_IF_ERROR(CreateDirs(dir));
  char h[kBlock];
  std::vector<char> buf(1 << 20);
  size_t files = 0;
  for (;;) {
    if (fread(h, 1, kBlock, in) != kBlock) {
      return Status::InvalidArgument("snapshot archive is truncated");
    }
    bool zero = std::all_of(h, h + kBlock, [](char c) { return c == 0; });
    if (zero) break;
    if (ParseOctal(h + 148, 8) != HeaderChecksum(h)) {
      return Status::InvalidArgument("snapshot archive has a corrupt header");
    }
    std::string name(h, strnlen(h, 100));
    if (memcmp(h + 257, "ustar", 5) == 0 && h[345]) {
      name = std::string(h + 345, strnlen(h + 345, 155)) + "/" + name;
    }
    uint64_t size = ParseOctal(h + 124, 12);
    char type = h[156];
    if (!SafeName(name))
      return Status::InvalidArgument("snapshot entry has an unsafe name: " + name);
    std::string target = JoinPath(dir, name);
    if (type == '5') {
      RAGDB_RETURN_IF_ERROR(CreateDirs(target));
      continue;
    }
    if (type != '0' && type != '\0') {
      return Status::InvalidArgument("snapshot entry " + name + " is not a regular file");
    }
    RAGDB_RETURN_IF_ERROR(CreateDirs(DirName(target)));
    FILE* out = fopen(target.c_str(), "wb");
    if (!out) return Status::IOError("cannot create " + target + ": " + strerror(errno));
    uint64_t left = size;
    Status st;
    while (left > 0) {
      size_t n = fread(buf.data(), 1, std::min<uint64_t>(buf.size(), left), in);
      if (n == 0) {
        st = Status::InvalidArgument("snapshot archive is truncated");
        break;
      }
      if (fwrite(buf.data(), 1, n, out) != n) {
        st = Status::IOError("write " + target + ": " + strerror(errno));
        break;
      }
      left -= n;
    }
    if (st.ok() && (fflush(out) != 0 || fsync(fileno(out)) != 0)) {
      st = Status::IOError("fsync " + target);
    }
    fclose(out);
    RAGDB_RETURN_IF_ERROR(st);
    size_t pad = (kBlock - size % kBlock) % kBlock;
    if (pad && fread(buf.data(), 1, pad, in) != pad) {
      return Status::InvalidArgument("snapshot archive is truncated");
    }
    ++files;
  }
  if (files == 0) return Status::InvalidArgument("snapshot archive holds no files");
  return Status::Ok();
}

Result<std::string> Sha256File(const std::string& path) {
  FILE* in = fopen(path.c_str(), "rb");
  if (!in) return Status::NotFound("cannot open " + path);
  Sha256 sha;
  std::vector<char> buf(1 << 20);
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), in)) > 0) sha.Update(buf.data(), n);
  fclose(in);
  return sha.Hex();
}

}  // namespace ragdb::server
