#include "cli/args.h"

#include <charconv>

#include "cli/help.h"

namespace ragdb::cli {

Result<Args> Args::Parse(const std::vector<std::string>& argv, const FlagSpec& spec) {
  Args a;
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string& arg = argv[i];
    if (arg.size() > 2 && arg.rfind("--", 0) == 0) {
      std::string name = arg.substr(2);
      std::optional<std::string> inline_value;
      if (auto eq = name.find('='); eq != std::string::npos) {
        inline_value = name.substr(eq + 1);
        name = name.substr(0, eq);
      }
      if (spec.switches.count(name)) {
        if (inline_value) return Status::InvalidArgument("--" + name + " takes no value");
        a.values_[name].push_back("true");
      } else if (spec.with_value.count(name)) {
        std::string value;
        if (inline_value) {
          value = *inline_value;
        } else if (i + 1 < argv.size()) {
          value = argv[++i];
        } else {
          return Status::InvalidArgument("--" + name + " needs a value");
        }
        if (a.values_.count(name) && !spec.repeatable.count(name)) {
          return Status::InvalidArgument("--" + name + " given twice");
        }
        a.values_[name].push_back(value);
      } else {
        std::vector<std::string> known;
        for (const auto* set : {&spec.with_value, &spec.switches}) {
          known.insert(known.end(), set->begin(), set->end());
        }
        std::string hint = ClosestMatch(name, known);
        return Status::InvalidArgument("unknown option --" + name +
                                       (hint.empty() ? "" : "; did you mean --" + hint + "?"));
      }
    } else if (arg == "--") {
      for (++i; i < argv.size(); ++i) a.positional_.push_back(argv[i]);
    } else {
      a.positional_.push_back(arg);
    }
  }
  return a;
}

std::optional<std::string> Args::Get(const std::string& flag) const {
  auto it = values_.find(flag);
  if (it == values_.end()) return std::nullopt;
  return it->second.back();
}

std::vector<std::string> Args::GetAll(const std::string& flag) const {
  auto it = values_.find(flag);
  return it == values_.end() ? std::vector<std::string>{} : it->second;
}

std::string Args::GetOr(const std::string& flag, const std::string& def) const {
  auto v = Get(flag);
  return v ? *v : def;
}

Result<uint64_t> Args::GetUint(const std::string& flag, uint64_t def) const {
  auto v = Get(flag);
  if (!v) return def;
  uint64_t n = 0;
  auto [ptr, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
  if (ec != std::errc() || ptr != v->data() + v->size()) {
    return Status::InvalidArgument("--" + flag + " expects a non-negative integer, got '" + *v +
                                   "'");
  }
  return n;
}

std::vector<std::string> SplitComma(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t end = s.find(',', start);
    if (end == std::string::npos) end = s.size();
    std::string part = s.substr(start, end - start);
    while (!part.empty() && part.front() == ' ') part.erase(part.begin());
    while (!part.empty() && part.back() == ' ') part.pop_back();
    if (!part.empty()) out.push_back(part);
    start = end + 1;
  }
  return out;
}

}  // namespace ragdb::cli
