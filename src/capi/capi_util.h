// Pieces every C API source file shares: turning a Status (or an exception) into a ragdb_code
// with the per-thread message, argument checks, and reading size-prefixed option structs.
#pragma once

#include <cstring>
#include <exception>
#include <memory>
#include <new>
#include <string>
#include <string_view>

#include "base/json_text.h"
#include "ragdb/database.h"
#include "ragdb/filter.h"
#include "ragdb/ragdb.h"
#include "ragdb/status.h"

struct ragdb_db {
  std::unique_ptr<ragdb::Database> db;
};

namespace ragdb::capi {

// The message ragdb_last_error() returns: per thread, replaced by every call.
inline thread_local std::string last_error;

inline ragdb_code Report(const Status& status) {
  last_error = status.ok() ? std::string() : status.message();
  return static_cast<ragdb_code>(status.code());
}

// Runs fn (returning Status), turning exceptions into error codes: none may cross into C.
template <typename Fn>
ragdb_code Guard(Fn&& fn) {
  try {
    return Report(fn());
  } catch (const std::bad_alloc&) {
    return Report(Status::ResourceExhausted("out of memory"));
  } catch (const std::exception& e) {
    return Report(Status::Internal(e.what()));
  }
}

inline Status NullArgument(const char* name) {
  return Status::InvalidArgument(std::string(name) + " is NULL");
}

// Options from a caller built against an older header are shorter: fields past its struct_size
// keep their defaults.
template <typename T>
Result<T> ReadOptions(const T* given, void (*init)(T*)) {
  T out;
  init(&out);
  if (given == nullptr) return out;
  if (given->struct_size < sizeof(size_t) || given->struct_size > sizeof(T)) {
    return Status::InvalidArgument("options.struct_size " + std::to_string(given->struct_size) +
                                   " is not the size of an options struct (call *_init first)");
  }
  std::memcpy(&out, given, given->struct_size);
  out.struct_size = sizeof(T);
  return out;
}

// A heap copy of text for the caller, freed with ragdb_string_free (delete[]).
inline char* CopyOut(const std::string& text) {
  char* s = new char[text.size() + 1];
  std::memcpy(s, text.c_str(), text.size() + 1);
  return s;
}

inline Result<Json> ParseJsonArg(const char* text, const char* what) {
  auto j = ReadJson(text);
  if (!j.ok()) return j.status().WithContext(what);
  return j;
}

// A filter as an expression (`tag == "a"`) or as Qdrant's JSON form (text starting with '{').
inline Result<Filter> ParseFilter(const char* text) {
  std::string_view s(text);
  size_t first = s.find_first_not_of(" \t\r\n");
  if (first != std::string_view::npos && s[first] == '{') {
    RAGDB_ASSIGN_OR_RETURN(Json j, ParseJsonArg(text, "filter"));
    auto f = Filter::FromJson(j);
    if (!f.ok()) return f.status().WithContext("filter");
    return f;
  }
  auto f = Filter::Parse(s);
  if (!f.ok()) return f.status().WithContext("filter");
  return f;
}

}  // namespace ragdb::capi
