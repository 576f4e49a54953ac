#include "model/torch_checkpoint.h"

#include <cstdio>
#include <cstring>
#include <string_view>

namespace ragdb::model {
namespace {

// ---- The zip container (stored entries only: torch.save does not compress).

struct ZipEntry {
  const uint8_t* data = nullptr;
  size_t size = 0;
};

uint32_t Le(const uint8_t* p, int bytes) {
  uint32_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

Status ReadZip(const uint8_t* b, size_t n, const std::string& name,
               std::map<std::string, ZipEntry>* out) {
  auto bad = [&](const std::string& why) { return Status::Corruption(name + ": " + why); };
  // End of central directory: 22 bytes plus a comment of at most 65,535.
  if (n < 22) return bad("too short to be a zip archive (torch.save's format)");
  size_t eocd = std::string::npos;
  for (size_t i = n - 22 + 1; i-- > 0 && n - i <= 22 + 65535;) {
    if (Le(b + i, 4) == 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd == std::string::npos) {
    return bad(
        "not a zip archive (no end-of-directory record); checkpoints from torch < 1.6 "
        "(the legacy format) are not supported");
  }
  const uint32_t count = Le(b + eocd + 10, 2);
  const uint32_t cd_size = Le(b + eocd + 12, 4);
  const uint32_t cd_offset = Le(b + eocd + 16, 4);
  if (count == 0xFFFF || cd_size == 0xFFFFFFFF || cd_offset == 0xFFFFFFFF) {
    return bad("a ZIP64 archive (over 4 GiB or 65,535 entries) is not supported");
  }
  if (uint64_t(cd_offset) + cd_size > eocd) return bad("central directory lies outside the file");
  size_t p = cd_offset;
  for (uint32_t e = 0; e < count; ++e) {
    if (p + 46 > eocd || Le(b + p, 4) != 0x02014b50) return bad("central directory is corrupt");
    const uint32_t method = Le(b + p + 10, 2);
    const uint32_t csize = Le(b + p + 20, 4);
    const uint32_t usize = Le(b + p + 24, 4);
    const uint32_t name_len = Le(b + p + 28, 2);
    const uint32_t extra_len = Le(b + p + 30, 2);
    const uint32_t comment_len = Le(b + p + 32, 2);
    const uint32_t local = Le(b + p + 42, 4);
    if (p + 46 + name_len > eocd) return bad("central directory is corrupt");
    std::string entry(reinterpret_cast<const char*>(b + p + 46), name_len);
    p += 46 + name_len + extra_len + comment_len;
    if (method != 0) {
      return bad("entry '" + entry + "' is compressed (method " + std::to_string(method) +
                 "); torch.save stores entries uncompressed");
    }
    if (csize != usize) return bad("entry '" + entry + "' has inconsistent sizes");
    if (uint64_t(local) + 30 > n || Le(b + local, 4) != 0x04034b50) {
      return bad("entry '" + entry + "': local header missing");
    }
    const uint64_t data = uint64_t(local) + 30 + Le(b + local + 26, 2) + Le(b + local + 28, 2);
    if (data + csize > n) return bad("entry '" + entry + "' runs past the end of the file");
    (*out)[entry] = ZipEntry{b + data, csize};
  }
  return Status::Ok();
}

// ---- The pickle: a stack machine over the opcodes of protocols 2 to 4 that torch.save emits.

struct Value;
using ValuePtr = std::shared_ptr<Value>;

struct Value {
  enum Kind {
    kNone,
    kBool,
    kInt,
    kFloat,
    kString,
    kTuple,
    kList,
    kDict,
    kGlobal,
    kObject,
    kStorage,
    kTensor
  };
  Kind kind = kNone;
  int64_t i = 0;
  double f = 0;
  std::string s;                // string; global / object: "module.name"; storage: its key
  std::vector<ValuePtr> items;  // tuple, list; dict: key, value, key, value...
  // Storages: the element type; tensors: the storage, then offset / size / stride.
  std::string dtype;
  ValuePtr storage;
  int64_t offset = 0;
  std::vector<int64_t> size, stride;
};

ValuePtr Make(Value::Kind k) {
  auto v = std::make_shared<Value>();
  v->kind = k;
  return v;
}

// torch's storage classes -> safetensors' dtype names.
const char* StorageDType(std::string_view global) {
  static const std::pair<const char*, const char*> kTypes[] = {
      {"torch.FloatStorage", "F32"},     {"torch.HalfStorage", "F16"},
      {"torch.BFloat16Storage", "BF16"}, {"torch.DoubleStorage", "F64"},
      {"torch.LongStorage", "I64"},      {"torch.IntStorage", "I32"},
      {"torch.ShortStorage", "I16"},     {"torch.CharStorage", "I8"},
      {"torch.ByteStorage", "U8"},       {"torch.BoolStorage", "BOOL"}};
  for (const auto& [g, d] : kTypes) {
    if (global == g) return d;
  }
  return nullptr;
}

size_t DTypeBytes(std::string_view d) {
  if (d == "F64" || d == "I64") return 8;
  if (d == "F32" || d == "I32") return 4;
  if (d == "F16" || d == "BF16" || d == "I16") return 2;
  return 1;
}

class Unpickler {
 public:
  Unpickler(const uint8_t* b, size_t n, std::string name) : b_(b), n_(n), name_(std::move(name)) {}

  Result<ValuePtr> Run() {
    while (true) {
      RAGDB_ASSIGN_OR_RETURN(uint8_t op, Byte());
      if (op == '.') break;  // STOP
      const size_t at = p_ - 1;
      Status s = Step(op);
      if (!s.ok()) {
        return Status::Corruption(name_ + ": data.pkl at byte " + std::to_string(at) + ": " +
                                  std::string(s.message()));
      }
    }
    if (stack_.size() != 1) return Status::Corruption(name_ + ": data.pkl ends unbalanced");
    return stack_.back();
  }

 private:
  Result<uint8_t> Byte() {
    if (p_ >= n_) return Status::Corruption(name_ + ": data.pkl is truncated");
    return b_[p_++];
  }
  Status Need(size_t k) {
    return p_ + k <= n_ ? Status::Ok() : Status::InvalidArgument("truncated");
  }
  uint64_t Take(int bytes) {  // little-endian unsigned; Need() checked first
    uint64_t v = 0;
    for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | b_[p_ + i];
    p_ += bytes;
    return v;
  }
  Status Push(ValuePtr v) {
    if (stack_.size() > (1u << 20)) return Status::InvalidArgument("stack too deep");
    stack_.push_back(std::move(v));
    return Status::Ok();
  }
  Result<ValuePtr> Pop() {
    if (stack_.empty() || (!marks_.empty() && stack_.size() <= marks_.back())) {
      return Status::InvalidArgument("pop from an empty stack");
    }
    ValuePtr v = std::move(stack_.back());
    stack_.pop_back();
    return v;
  }
  // The values above the last mark, which is removed.
  Result<std::vector<ValuePtr>> PopMark() {
    if (marks_.empty()) return Status::InvalidArgument("no mark");
    const size_t m = marks_.back();
    marks_.pop_back();
    std::vector<ValuePtr> out(std::make_move_iterator(stack_.begin() + m),
                              std::make_move_iterator(stack_.end()));
    stack_.resize(m);
    return out;
  }
  Status PushString(size_t len) {
    RAGDB_RETURN_IF_ERROR(Need(len));
    auto v = Make(Value::kString);
    v->s.assign(reinterpret_cast<const char*>(b_ + p_), len);
    p_ += len;
    return Push(std::move(v));
  }
  Result<std::string> Line() {
    const void* nl = p_ < n_ ? std::memchr(b_ + p_, '\n', n_ - p_) : nullptr;
    if (nl == nullptr) return Status::InvalidArgument("unterminated line");
    const size_t end = static_cast<const uint8_t*>(nl) - b_;
    std::string s(reinterpret_cast<const char*>(b_ + p_), end - p_);
    p_ = end + 1;
    return s;
  }
  Status PushGlobal(const std::string& module, const std::string& name) {
    auto v = Make(Value::kGlobal);
    v->s = module + "." + name;
    return Push(std::move(v));
  }
  Status Memo(size_t index) {
    if (stack_.empty()) return Status::InvalidArgument("memo of an empty stack");
    if (index > (1u << 24)) return Status::InvalidArgument("memo index too large");
    if (memo_.size() <= index) memo_.resize(index + 1);
    memo_[index] = stack_.back();
    return Status::Ok();
  }
  Status Get(size_t index) {
    if (index >= memo_.size() || memo_[index] == nullptr) {
      return Status::InvalidArgument("memo entry " + std::to_string(index) + " is not set");
    }
    return Push(memo_[index]);
  }
  Status SetItems(const ValuePtr& dict, std::vector<ValuePtr> kv) {
    if (dict->kind != Value::kDict || kv.size() % 2 != 0) {
      return Status::InvalidArgument("SETITEM(S) on a non-dict");
    }
    for (auto& x : kv) dict->items.push_back(std::move(x));
    return Status::Ok();
  }
  static Result<std::vector<int64_t>> Ints(const ValuePtr& t) {
    if (t->kind != Value::kTuple) return Status::InvalidArgument("expected a tuple of integers");
    std::vector<int64_t> out;
    for (const auto& x : t->items) {
      if (x->kind != Value::kInt) return Status::InvalidArgument("expected a tuple of integers");
      out.push_back(x->i);
    }
    return out;
  }
  // REDUCE / NEWOBJ: only the constructors of a state dict mean something; any other call
  // becomes an opaque object (nothing is ever executed).
  Result<ValuePtr> Call(const ValuePtr& fn, const ValuePtr& args) {
    if (fn->kind != Value::kGlobal) return Status::InvalidArgument("call of a non-global");
    if (args->kind != Value::kTuple) return Status::InvalidArgument("call arguments not a tuple");
    const auto& a = args->items;
    if (fn->s == "collections.OrderedDict" && a.empty()) return Make(Value::kDict);
    if (fn->s == "torch._utils._rebuild_tensor_v2" || fn->s == "torch._utils._rebuild_tensor") {
      if (a.size() < 4 || a[0]->kind != Value::kStorage || a[1]->kind != Value::kInt) {
        return Status::InvalidArgument("malformed " + fn->s + " arguments");
      }
      auto t = Make(Value::kTensor);
      t->storage = a[0];
      t->offset = a[1]->i;
      RAGDB_ASSIGN_OR_RETURN(t->size, Ints(a[2]));
      RAGDB_ASSIGN_OR_RETURN(t->stride, Ints(a[3]));
      return t;
    }
    if (fn->s == "torch._utils._rebuild_parameter" && !a.empty() && a[0]->kind == Value::kTensor) {
      return a[0];
    }
    auto o = Make(Value::kObject);
    o->s = fn->s;
    return o;
  }
  // BINPERSID: ('storage', torch.XStorage, key, location, numel).
  Result<ValuePtr> Persistent(const ValuePtr& pid) {
    const auto& a = pid->items;
    if (pid->kind != Value::kTuple || a.size() < 5 || a[0]->kind != Value::kString ||
        a[0]->s != "storage" || a[1]->kind != Value::kGlobal || a[2]->kind != Value::kString ||
        a[4]->kind != Value::kInt) {
      return Status::InvalidArgument("unexpected persistent id (not a torch storage)");
    }
    const char* dtype = StorageDType(a[1]->s);
    if (dtype == nullptr) return Status::InvalidArgument("unsupported storage type " + a[1]->s);
    auto s = Make(Value::kStorage);
    s->s = a[2]->s;
    s->dtype = dtype;
    s->i = a[4]->i;
    return s;
  }

  Status Step(uint8_t op) {
    switch (op) {
      case 0x80:  // PROTO
        RAGDB_RETURN_IF_ERROR(Need(1));
        p_ += 1;
        return Status::Ok();
      case 0x95:  // FRAME
        RAGDB_RETURN_IF_ERROR(Need(8));
        p_ += 8;
        return Status::Ok();
      case '(':
        marks_.push_back(stack_.size());
        return Status::Ok();
      case '1': {  // POP_MARK
        RAGDB_ASSIGN_OR_RETURN(auto dropped, PopMark());
        return Status::Ok();
      }
      case '0':
        return Pop().status();
      case '2':  // DUP
        if (stack_.empty()) return Status::InvalidArgument("DUP of an empty stack");
        return Push(stack_.back());
      case 'N':
        return Push(Make(Value::kNone));
      case 0x88:
      case 0x89: {
        auto v = Make(Value::kBool);
        v->i = op == 0x88;
        return Push(std::move(v));
      }
      case 'K':
      case 'M':
      case 'J': {
        const int bytes = op == 'K' ? 1 : op == 'M' ? 2 : 4;
        RAGDB_RETURN_IF_ERROR(Need(bytes));
        auto v = Make(Value::kInt);
        const uint64_t u = Take(bytes);
        v->i = op == 'J' ? static_cast<int32_t>(u) : static_cast<int64_t>(u);
        return Push(std::move(v));
      }
      case 0x8a: {  // LONG1: n bytes, little-endian two's complement
        RAGDB_RETURN_IF_ERROR(Need(1));
        const size_t len = b_[p_++];
        if (len > 8) return Status::InvalidArgument("integer wider than 64 bits");
        RAGDB_RETURN_IF_ERROR(Need(len));
        uint64_t u = Take(static_cast<int>(len));
        if (len > 0 && len < 8 && (u >> (8 * len - 1)) & 1) u |= ~0ull << (8 * len);
        auto v = Make(Value::kInt);
        v->i = static_cast<int64_t>(u);
        return Push(std::move(v));
      }
      case 'G': {  // BINFLOAT, big-endian
        RAGDB_RETURN_IF_ERROR(Need(8));
        uint64_t u = 0;
        for (int i = 0; i < 8; ++i) u = (u << 8) | b_[p_ + i];
        p_ += 8;
        auto v = Make(Value::kFloat);
        std::memcpy(&v->f, &u, 8);
        return Push(std::move(v));
      }
      case 'X':  // BINUNICODE
      case 'T':  // BINSTRING
      case 'B':  // BINBYTES
        RAGDB_RETURN_IF_ERROR(Need(4));
        return PushString(Take(4));
      case 0x8c:  // SHORT_BINUNICODE
      case 'U':   // SHORT_BINSTRING
      case 'C':   // SHORT_BINBYTES
        RAGDB_RETURN_IF_ERROR(Need(1));
        return PushString(b_[p_++]);
      case 0x8d:  // BINUNICODE8
      case 0x8e:  // BINBYTES8
        RAGDB_RETURN_IF_ERROR(Need(8));
        return PushString(Take(8));
      case 'c': {  // GLOBAL
        RAGDB_ASSIGN_OR_RETURN(std::string module, Line());
        RAGDB_ASSIGN_OR_RETURN(std::string name, Line());
        return PushGlobal(module, name);
      }
      case 0x93: {  // STACK_GLOBAL
        RAGDB_ASSIGN_OR_RETURN(auto name, Pop());
        RAGDB_ASSIGN_OR_RETURN(auto module, Pop());
        if (name->kind != Value::kString || module->kind != Value::kString) {
          return Status::InvalidArgument("STACK_GLOBAL of non-strings");
        }
        return PushGlobal(module->s, name->s);
      }
      case 'q':
        RAGDB_RETURN_IF_ERROR(Need(1));
        return Memo(b_[p_++]);
      case 'r':
        RAGDB_RETURN_IF_ERROR(Need(4));
        return Memo(Take(4));
      case 0x94:  // MEMOIZE
        return Memo(memo_.size());
      case 'h':
        RAGDB_RETURN_IF_ERROR(Need(1));
        return Get(b_[p_++]);
      case 'j':
        RAGDB_RETURN_IF_ERROR(Need(4));
        return Get(Take(4));
      case ')':
        return Push(Make(Value::kTuple));
      case ']':
        return Push(Make(Value::kList));
      case '}':
        return Push(Make(Value::kDict));
      case 't':
      case 'l':
      case 'd': {
        RAGDB_ASSIGN_OR_RETURN(auto items, PopMark());
        auto v = Make(op == 't' ? Value::kTuple : op == 'l' ? Value::kList : Value::kDict);
        if (op == 'd' && items.size() % 2 != 0) return Status::InvalidArgument("odd DICT");
        v->items = std::move(items);
        return Push(std::move(v));
      }
      case 0x85:
      case 0x86:
      case 0x87: {
        const size_t k = op - 0x84;
        if (stack_.size() < k + (marks_.empty() ? 0 : marks_.back())) {
          return Status::InvalidArgument("TUPLE" + std::to_string(k) + " of a short stack");
        }
        auto v = Make(Value::kTuple);
        v->items.assign(stack_.end() - k, stack_.end());
        stack_.resize(stack_.size() - k);
        return Push(std::move(v));
      }
      case 'a': {  // APPEND
        RAGDB_ASSIGN_OR_RETURN(auto x, Pop());
        if (stack_.empty() || stack_.back()->kind != Value::kList) {
          return Status::InvalidArgument("APPEND to a non-list");
        }
        stack_.back()->items.push_back(std::move(x));
        return Status::Ok();
      }
      case 'e': {  // APPENDS
        RAGDB_ASSIGN_OR_RETURN(auto xs, PopMark());
        if (stack_.empty() || stack_.back()->kind != Value::kList) {
          return Status::InvalidArgument("APPENDS to a non-list");
        }
        for (auto& x : xs) stack_.back()->items.push_back(std::move(x));
        return Status::Ok();
      }
      case 's': {  // SETITEM
        RAGDB_ASSIGN_OR_RETURN(auto v, Pop());
        RAGDB_ASSIGN_OR_RETURN(auto k, Pop());
        if (stack_.empty()) return Status::InvalidArgument("SETITEM without a dict");
        return SetItems(stack_.back(), {std::move(k), std::move(v)});
      }
      case 'u': {  // SETITEMS
        RAGDB_ASSIGN_OR_RETURN(auto kv, PopMark());
        if (stack_.empty()) return Status::InvalidArgument("SETITEMS without a dict");
        return SetItems(stack_.back(), std::move(kv));
      }
      case 'R':     // REDUCE
      case 0x81: {  // NEWOBJ
        RAGDB_ASSIGN_OR_RETURN(auto args, Pop());
        RAGDB_ASSIGN_OR_RETURN(auto fn, Pop());
        RAGDB_ASSIGN_OR_RETURN(auto v, Call(fn, args));
        return Push(std::move(v));
      }
      case 'b': {  // BUILD: the state (a state dict's _metadata) is not needed
        RAGDB_ASSIGN_OR_RETURN(auto state, Pop());
        if (stack_.empty()) return Status::InvalidArgument("BUILD without an object");
        return Status::Ok();
      }
      case 'Q': {  // BINPERSID
        RAGDB_ASSIGN_OR_RETURN(auto pid, Pop());
        RAGDB_ASSIGN_OR_RETURN(auto storage, Persistent(pid));
        return Push(std::move(storage));
      }
      default: {
        char hex[8];
        std::snprintf(hex, sizeof(hex), "0x%02x", op);
        return Status::InvalidArgument(std::string("unsupported pickle opcode ") + hex);
      }
    }
  }

  const uint8_t* b_;
  size_t n_;
  size_t p_ = 0;
  std::string name_;
  std::vector<ValuePtr> stack_;
  std::vector<size_t> marks_;
  std::vector<ValuePtr> memo_;
};

Status ReadCheckpoint(const uint8_t* b, size_t n, const std::string& name,
                      std::map<std::string, TensorInfo>* out) {
  std::map<std::string, ZipEntry> zip;
  RAGDB_RETURN_IF_ERROR(ReadZip(b, n, name, &zip));
  std::string prefix;
  for (const auto& [entry, _] : zip) {
    if (entry.ends_with("/data.pkl") && entry.find('/') == entry.size() - 9) {
      prefix = entry.substr(0, entry.size() - 8);
    }
  }
  if (prefix.empty()) return Status::Corruption(name + ": no ARCHIVE/data.pkl in the zip");
  if (auto bo = zip.find(prefix + "byteorder"); bo != zip.end()) {
    if (std::string_view(reinterpret_cast<const char*>(bo->second.data), bo->second.size) !=
        "little") {
      return Status::InvalidArgument(name + ": a big-endian checkpoint is not supported");
    }
  }
  const ZipEntry& pkl = zip[prefix + "data.pkl"];
  Unpickler u(pkl.data, pkl.size, name);
  RAGDB_ASSIGN_OR_RETURN(ValuePtr root, u.Run());
  if (root->kind != Value::kDict) {
    return Status::InvalidArgument(name +
                                   ": holds no state dict (the pickled object is not a "
                                   "dict of tensors)");
  }
  for (size_t i = 0; i + 1 < root->items.size(); i += 2) {
    const Value& key = *root->items[i];
    const Value& t = *root->items[i + 1];
    if (key.kind != Value::kString || t.kind != Value::kTensor) continue;
    const std::string where = name + ": tensor '" + key.s + "': ";
    const Value& st = *t.storage;
    auto entry = zip.find(prefix + "data/" + st.s);
    if (entry == zip.end()) return Status::Corruption(where + "storage " + st.s + " is missing");
    const size_t elem = DTypeBytes(st.dtype);
    if (t.size.size() != t.stride.size() || t.offset < 0) {
      return Status::Corruption(where + "malformed size or stride");
    }
    // Contiguous, row-major: what a saved nn.Module parameter is.
    uint64_t count = 1;
    for (size_t d = t.size.size(); d-- > 0;) {
      if (t.size[d] < 0 || (t.size[d] > 1 && t.stride[d] != static_cast<int64_t>(count))) {
        return Status::InvalidArgument(where + "is not contiguous (size " + ShapeString(t.size) +
                                       ", stride " + ShapeString(t.stride) + ")");
      }
      if (t.size[d] != 0 && count > (1ull << 40) / static_cast<uint64_t>(t.size[d])) {
        return Status::Corruption(where + "shape is implausibly large");
      }
      count *= static_cast<uint64_t>(t.size[d]);
    }
    const uint64_t end = (static_cast<uint64_t>(t.offset) + count) * elem;
    if (end > entry->second.size) {
      return Status::Corruption(where + "needs " + std::to_string(end) + " bytes of storage " +
                                st.s + ", which holds " + std::to_string(entry->second.size));
    }
    TensorInfo info;
    info.dtype_name = st.dtype;
    info.dtype = st.dtype == "F32"    ? DType::kF32
                 : st.dtype == "F16"  ? DType::kF16
                 : st.dtype == "BF16" ? DType::kBF16
                                      : DType::kOther;
    info.shape = t.size;
    info.data = entry->second.data + t.offset * elem;
    info.bytes = count * elem;
    (*out)[key.s] = std::move(info);
  }
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<TorchCheckpoint>> TorchCheckpoint::Open(const std::string& path) {
  RAGDB_ASSIGN_OR_RETURN(auto file, MappedFile::Open(path));
  auto c = std::unique_ptr<TorchCheckpoint>(new TorchCheckpoint());
  RAGDB_RETURN_IF_ERROR(ReadCheckpoint(file->data(), file->size(), path, &c->tensors_));
  c->file_ = std::move(file);
  c->path_ = path;
  return c;
}

Result<std::unique_ptr<TorchCheckpoint>> TorchCheckpoint::Parse(const uint8_t* bytes, size_t size,
                                                                std::string name) {
  auto c = std::unique_ptr<TorchCheckpoint>(new TorchCheckpoint());
  RAGDB_RETURN_IF_ERROR(ReadCheckpoint(bytes, size, name, &c->tensors_));
  c->path_ = std::move(name);
  return c;
}

const TensorInfo* TorchCheckpoint::Find(const std::string& name) const {
  auto it = tensors_.find(name);
  return it == tensors_.end() ? nullptr : &it->second;
}

Result<std::vector<float>> TorchCheckpoint::ReadF32(const std::string& name,
                                                    const std::vector<int64_t>& shape) const {
  return ReadTensorF32(Find(name), path_, name, shape);
}

}  // namespace ragdb::model
