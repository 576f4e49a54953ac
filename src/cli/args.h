// A small command-line parser: positional arguments and --flags (with or without a value), each
// command declaring the flags it accepts, so a typo is an error instead of being ignored.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "ragdb/status.h"

namespace ragdb::cli {

struct FlagSpec {
  std::set<std::string> with_value;  // --k 10
  std::set<std::string> switches;    // --normalize
  std::set<std::string> repeatable;  // subset of with_value that may repeat
};

class Args {
 public:
  static Result<Args> Parse(const std::vector<std::string>& argv, const FlagSpec& spec);

  const std::vector<std::string>& positional() const { return positional_; }
  bool Has(const std::string& flag) const { return values_.count(flag) > 0; }
  std::optional<std::string> Get(const std::string& flag) const;
  std::vector<std::string> GetAll(const std::string& flag) const;
  std::string GetOr(const std::string& flag, const std::string& def) const;
  Result<uint64_t> GetUint(const std::string& flag, uint64_t def) const;

 private:
  std::vector<std::string> positional_;
  std::map<std::string, std::vector<std::string>> values_;
};

// Splits "a,b,c" (no empty parts kept).
std::vector<std::string> SplitComma(const std::string& s);

}  // namespace ragdb::cli
