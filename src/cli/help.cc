#include "cli/help.h"

#include <algorithm>

namespace ragdb::cli {
namespace {

// Lines of `text`, each indented by `indent`.
std::string Indent(std::string_view text, std::string_view indent) {
  std::string out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    out += indent;
    out += text.substr(start, end - start);
    out += '\n';
    start = end + 1;
  }
  return out;
}

size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

}  // namespace

bool StartsForm(std::string_view line, std::string_view command) {
  return line == command ||
         (line.starts_with(command) && line.size() > command.size() && line[command.size()] == ' ');
}

const CommandHelp* FindCommandHelp(std::string_view name) {
  for (const CommandHelp& h : AllCommandHelp()) {
    if (name == h.name) return &h;
  }
  return nullptr;
}

std::string RenderCommandHelp(std::string_view name, std::string_view synopsis) {
  const CommandHelp* h = FindCommandHelp(name);
  std::string usage(h != nullptr && h->usage != nullptr ? std::string_view(h->usage) : synopsis);
  std::string out;
  // Usage forms, one per line: "usage: ragdb FORM", then the other forms aligned below it.
  const std::string_view command = name.substr(0, name.find(' '));
  size_t start = 0;
  bool first = true;
  while (start < usage.size()) {
    size_t end = usage.find('\n', start);
    if (end == std::string::npos) end = usage.size();
    std::string line = usage.substr(start, end - start);
    line.erase(0, line.find_first_not_of(' '));
    out +=
        first ? "usage: ragdb " : (StartsForm(line, command) ? "       ragdb " : "             ");
    out += line + "\n";
    first = false;
    start = end + 1;
  }
  if (h == nullptr) return out;
  out += "\n" + Indent(h->summary, "");
  if (!h->flags.empty()) {
    size_t width = 0;
    for (const FlagHelp& f : h->flags) width = std::max(width, std::string_view(f.flag).size());
    width = std::min<size_t>(width, 26);
    out += "\noptions:\n";
    for (const FlagHelp& f : h->flags) {
      std::string flag = f.flag;
      out += "  " + flag;
      if (flag.size() <= width) {
        out += std::string(width - flag.size() + 2, ' ');
      } else {
        out += "\n" + std::string(width + 4, ' ');
      }
      // Wrapped description lines keep the column.
      std::string text = f.text;
      for (size_t p = 0; (p = text.find('\n', p)) != std::string::npos; p += width + 5) {
        text.insert(p + 1, std::string(width + 4, ' '));
      }
      out += text + "\n";
    }
  }
  if (h->examples != nullptr && *h->examples != '\0') {
    out += "\nexamples:\n" + Indent(h->examples, "  ");
  }
  out +=
      "\nGlobal options (--data DIR, --log-level LEVEL, --memory-limit SIZE, --read-only) may come "
      "before or after the command; `ragdb --help` lists every command.\n";
  return out;
}

std::string ClosestMatch(std::string_view word, const std::vector<std::string>& candidates) {
  std::string best;
  size_t best_distance = SIZE_MAX;
  for (const std::string& c : candidates) {
    size_t d = EditDistance(word, c);
    if (d < best_distance) {
      best_distance = d;
      best = c;
    }
  }
  // A typo changes a letter or two; more than a third of the word is another word.
  size_t limit = std::max<size_t>(1, std::min<size_t>(2, word.size() / 3));
  return best_distance <= limit ? best : "";
}

}  // namespace ragdb::cli
