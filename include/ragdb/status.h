// Status and Result<T>: how every fallible ragdb call reports failure.
//
// An OK Status holds no allocation. Codes are never renumbered: the CLI maps them to exit codes and
// the server to HTTP codes, each in one table.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace ragdb {

enum class StatusCode : uint8_t {
  kOk = 0,
  kInvalidArgument = 1,     // bad input from the caller: malformed JSON, wrong dimension, NaN...
  kNotFound = 2,            // unknown collection, id, file
  kAlreadyExists = 3,       // duplicate collection
  kCorruption = 4,          // a checksum or structure check failed on stored data
  kIOError = 5,             // the operating system refused a read, write, fsync or rename
  kResourceExhausted = 6,   // over a documented limit (payload size, request size)
  kFailedPrecondition = 7,  // the call is valid but not in the current state
  kUnimplemented = 8,       // a feature that this build does not have
  kInternal = 9,            // a broken invariant inside ragdb
  kPermissionDenied = 10,   // an authenticated caller without the right
  kUnauthenticated = 11,    // no or unknown credentials
  kUnavailable = 12,        // shutting down, overloaded, or a remote service is down
  kDeadlineExceeded = 13,   // a timeout
};

std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string message);

  static Status Ok() { return Status(); }
  static Status InvalidArgument(std::string msg) {
    return {StatusCode::kInvalidArgument, std::move(msg)};
  }
  static Status NotFound(std::string msg) { return {StatusCode::kNotFound, std::move(msg)}; }
  static Status AlreadyExists(std::string msg) {
    return {StatusCode::kAlreadyExists, std::move(msg)};
  }
  static Status Corruption(std::string msg) { return {StatusCode::kCorruption, std::move(msg)}; }
  static Status IOError(std::string msg) { return {StatusCode::kIOError, std::move(msg)}; }
  static Status ResourceExhausted(std::string msg) {
    return {StatusCode::kResourceExhausted, std::move(msg)};
  }
  static Status FailedPrecondition(std::string msg) {
    return {StatusCode::kFailedPrecondition, std::move(msg)};
  }
  static Status Unimplemented(std::string msg) {
    return {StatusCode::kUnimplemented, std::move(msg)};
  }
  static Status Internal(std::string msg) { return {StatusCode::kInternal, std::move(msg)}; }
  static Status PermissionDenied(std::string msg) {
    return {StatusCode::kPermissionDenied, std::move(msg)};
  }
  static Status Unauthenticated(std::string msg) {
    return {StatusCode::kUnauthenticated, std::move(msg)};
  }
  static Status Unavailable(std::string msg) { return {StatusCode::kUnavailable, std::move(msg)}; }
  static Status DeadlineExceeded(std::string msg) {
    return {StatusCode::kDeadlineExceeded, std::move(msg)};
  }

  bool ok() const { return rep_ == nullptr; }
  StatusCode code() const { return rep_ ? rep_->code : StatusCode::kOk; }
  const std::string& message() const;
  // "InvalidArgument: line 3: expected ..." ; "OK" when ok.
  std::string ToString() const;
  // The same status with "context: " put before the message (no-op when ok).
  Status WithContext(std::string_view context) const;

 private:
  struct Rep {
    StatusCode code;
    std::string message;
  };
  std::shared_ptr<const Rep> rep_;  // null when OK; shared so copies are cheap
};

// Either a value or a non-OK Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}        // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {  // NOLINT: implicit by design
    if (std::get<Status>(v_).ok()) v_ = Status::Internal("Result built from an OK Status");
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  // By value, not T&&: `for (auto& x : *MakeResult())` then extends the value's lifetime instead
  // of leaving a reference into a destroyed temporary.
  T value() && { return std::get<T>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace ragdb

#define RAGDB_CONCAT_INNER_(a, b) a##b
#define RAGDB_CONCAT_(a, b) RAGDB_CONCAT_INNER_(a, b)

// Returns the Status from the enclosing function when `expr` is not OK.
#define RAGDB_RETURN_IF_ERROR(expr)                \
  do {                                             \
    ::ragdb::Status ragdb_status_ = (expr);        \
    if (!ragdb_status_.ok()) return ragdb_status_; \
  } while (0)

// RAGDB_ASSIGN_OR_RETURN(auto x, MakeX()); declares x from a Result, or returns its Status.
#define RAGDB_ASSIGN_OR_RETURN(lhs, expr) \
  RAGDB_ASSIGN_OR_RETURN_IMPL_(RAGDB_CONCAT_(ragdb_result_, __LINE__), lhs, expr)
#define RAGDB_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                 \
  if (!tmp.ok()) return tmp.status();                \
  lhs = std::move(tmp).value()
