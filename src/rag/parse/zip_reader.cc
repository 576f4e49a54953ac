#include "rag/parse/zip_reader.h"

#include <zip.h>

namespace ragdb::rag {

Result<std::unique_ptr<ZipReader>> ZipReader::Open(std::string_view bytes, std::string_view what,
                                                   size_t max_entries, size_t max_total_bytes) {
  std::string w(what);
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* src = zip_source_buffer_create(bytes.data(), bytes.size(), 0, &error);
  if (src == nullptr) {
    Status s = Status::Internal(w + ": " + zip_error_strerror(&error));
    zip_error_fini(&error);
    return s;
  }
  zip_t* archive = zip_open_from_source(src, ZIP_RDONLY, &error);
  if (archive == nullptr) {
    zip_source_free(src);
    Status s = Status::InvalidArgument(w + ": not a valid zip archive (" +
                                       zip_error_strerror(&error) + ")");
    zip_error_fini(&error);
    return s;
  }
  zip_error_fini(&error);
  std::unique_ptr<ZipReader> reader(new ZipReader(archive, w));
  zip_int64_t n = zip_get_num_entries(archive, 0);
  if (n < 0 || static_cast<uint64_t>(n) > max_entries) {
    return Status::ResourceExhausted(w + ": zip has " + std::to_string(n) +
                                     " entries, over the limit of " + std::to_string(max_entries));
  }
  uint64_t total = 0;
  for (zip_int64_t i = 0; i < n; ++i) {
    zip_stat_t st;
    if (zip_stat_index(archive, static_cast<zip_uint64_t>(i), 0, &st) != 0 ||
        (st.valid & ZIP_STAT_SIZE) == 0) {
      return Status::Corruption(w + ": unreadable zip entry " + std::to_string(i));
    }
    total += st.size;
    if (total > max_total_bytes) {
      return Status::ResourceExhausted(
          w + ": zip expands to more than " + std::to_string(max_total_bytes) + " bytes (entry '" +
          (st.name ? st.name : "?") + "' declares " + std::to_string(st.size) +
          " bytes); refusing a possible zip bomb");
    }
  }
  return reader;
}

ZipReader::~ZipReader() { zip_discard(archive_); }

bool ZipReader::Has(const std::string& name) const {
  return zip_name_locate(archive_, name.c_str(), 0) >= 0;
}

Result<std::string> ZipReader::Read(const std::string& name) const {
  zip_stat_t st;
  if (zip_stat(archive_, name.c_str(), 0, &st) != 0) {
    return Status::NotFound(what_ + ": no " + name + " in the archive");
  }
  zip_file_t* f = zip_fopen(archive_, name.c_str(), 0);
  if (f == nullptr) {
    return Status::Corruption(what_ + ": cannot open " + name + ": " + zip_strerror(archive_));
  }
  // The declared size was checked against the cap in Open; reading exactly that many bytes
  // means a lying header cannot make us inflate more.
  std::string out(st.size, '\0');
  zip_int64_t got = out.empty() ? 0 : zip_fread(f, out.data(), out.size());
  std::string err = got < 0 ? zip_file_strerror(f) : "";
  zip_fclose(f);
  if (got < 0 || static_cast<uint64_t>(got) != st.size) {
    return Status::Corruption(what_ + ": damaged entry " + name +
                              (err.empty() ? " (short read)" : " (" + err + ")"));
  }
  return out;
}

}  // namespace ragdb::rag
