#include "query/json_path.h"

#include <cstdint>

namespace ragdb::internal {
namespace {

struct Segment {
  enum class Sub { kNone, kEach, kIndex };
  std::string_view name;  // points into the path, or into `unescaped` for a quoted name
  std::string unescaped;
  Sub sub = Sub::kNone;
  uint64_t index = 0;
};

bool IsNameByte(char c) { return c != '.' && c != '[' && c != ']' && c != '"'; }

// Parses the segment at *pos. On success *pos is at the following '.' or at the end.
bool ParseSegment(std::string_view path, size_t* pos, Segment* seg, std::string* error) {
  size_t i = *pos;
  seg->sub = Segment::Sub::kNone;
  if (i < path.size() && path[i] == '"') {
    seg->unescaped.clear();
    ++i;
    bool closed = false;
    while (i < path.size()) {
      char c = path[i++];
      if (c == '"') {
        closed = true;
        break;
      }
      if (c == '\\') {
        if (i == path.size() || (path[i] != '"' && path[i] != '\\')) {
          *error = "bad escape in quoted name at offset " + std::to_string(i - 1);
          return false;
        }
        c = path[i++];
      }
      seg->unescaped.push_back(c);
    }
    if (!closed) {
      *error = "unterminated quoted name at offset " + std::to_string(*pos);
      return false;
    }
    seg->name = seg->unescaped;
  } else {
    size_t start = i;
    while (i < path.size() && IsNameByte(path[i])) ++i;
    if (i == start) {
      *error = "empty name at offset " + std::to_string(start);
      return false;
    }
    seg->name = path.substr(start, i - start);
  }
  if (i < path.size() && path[i] == '[') {
    size_t open = i++;
    if (i < path.size() && path[i] == ']') {
      seg->sub = Segment::Sub::kEach;
      ++i;
    } else {
      uint64_t n = 0;
      size_t digits = 0;
      while (i < path.size() && path[i] >= '0' && path[i] <= '9' && digits < 18) {
        n = n * 10 + static_cast<uint64_t>(path[i] - '0');
        ++i;
        ++digits;
      }
      if (digits == 0 || i == path.size() || path[i] != ']') {
        *error = "expected '[]' or '[<index>]' at offset " + std::to_string(open);
        return false;
      }
      ++i;
      seg->sub = Segment::Sub::kIndex;
      seg->index = n;
    }
  }
  if (i < path.size() && path[i] != '.') {
    *error = "unexpected '" + std::string(1, path[i]) + "' at offset " + std::to_string(i);
    return false;
  }
  *pos = i;
  return true;
}

void Visit(const Json& obj, const Segment& seg, std::vector<const Json*>* next) {
  auto it = obj.find(seg.name);
  if (it == obj.end()) return;
  const Json& v = *it;
  switch (seg.sub) {
    case Segment::Sub::kNone:
      next->push_back(&v);
      break;
    case Segment::Sub::kEach:
      if (v.is_array()) {
        for (const Json& e : v) next->push_back(&e);
      } else {
        next->push_back(&v);
      }
      break;
    case Segment::Sub::kIndex:
      if (v.is_array() && seg.index < v.size()) next->push_back(&v[seg.index]);
      break;
  }
}

}  // namespace

Status ValidatePath(std::string_view path) {
  if (path.empty()) return Status::InvalidArgument("empty path");
  size_t pos = 0;
  Segment seg;
  std::string error;
  while (true) {
    if (!ParseSegment(path, &pos, &seg, &error)) {
      return Status::InvalidArgument("bad path '" + std::string(path) + "': " + error);
    }
    if (pos == path.size()) return Status::Ok();
    ++pos;  // '.'
  }
}

std::string PathSegmentText(std::string_view name) {
  bool bare = !name.empty();
  for (char c : name) bare = bare && IsNameByte(c) && c != '\\';
  if (bare) return std::string(name);
  std::string out = "\"";
  for (char c : name) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

void ResolvePath(const Json& root, std::string_view path, std::vector<const Json*>* out) {
  out->clear();
  if (path.empty()) return;
  std::vector<const Json*> cur{&root};
  std::vector<const Json*> next;
  size_t pos = 0;
  Segment seg;
  std::string error;
  while (true) {
    if (!ParseSegment(path, &pos, &seg, &error)) return;
    next.clear();
    for (const Json* v : cur) {
      if (v->is_object()) {
        Visit(*v, seg, &next);
      } else if (v->is_array()) {
        for (const Json& e : *v) {
          if (e.is_object()) Visit(e, seg, &next);
        }
      }
    }
    cur.swap(next);
    if (pos == path.size() || cur.empty()) break;
    ++pos;
  }
  out->swap(cur);
}

}  // namespace ragdb::internal
