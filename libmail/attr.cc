// The attribute protocol's data type, encoder and bounded decoder (attr.h).
#include "libmail/attr.h"

#include <charconv>

#include "libutil/log.h"
#include <utility>

namespace mail {
namespace {

using util::ErrorKind;

// Where decoded bytes come from: a string (decode_attrs) or a stream
// (read_attrs). Both answer the same three questions.
class Source {
 public:
  virtual ~Source() = default;
  // Bytes up to `delim` (not included), at most `max` of them.
  virtual util::Result<std::string> until(char delim, size_t max, const char* what) = 0;
  virtual util::Result<std::string> exact(size_t n) = 0;
  virtual util::Result<char> byte() = 0;
};

class StringSource : public Source {
 public:
  explicit StringSource(std::string_view data) : data_(data) {}
  util::Result<std::string> until(char delim, size_t max, const char* what) override {
    size_t end = data_.find(delim);
    if (end == std::string_view::npos) {
      if (data_.size() > max) return util::fail_kind(ErrorKind::kTooLong, std::string(what) + " too long");
      return util::fail_kind(ErrorKind::kMalformed, "attribute protocol: premature end of input");
    }
    if (end > max) return util::fail_kind(ErrorKind::kTooLong, std::string(what) + " too long");
    std::string out(data_.substr(0, end));
    data_.remove_prefix(end + 1);
    return out;
  }
  util::Result<std::string> exact(size_t n) override {
    if (data_.size() < n)
      return util::fail_kind(ErrorKind::kMalformed, "attribute protocol: premature end of input");
    std::string out(data_.substr(0, n));
    data_.remove_prefix(n);
    return out;
  }
  util::Result<char> byte() override {
    if (data_.empty())
      return util::fail_kind(ErrorKind::kMalformed, "attribute protocol: premature end of input");
    char c = data_.front();
    data_.remove_prefix(1);
    return c;
  }
  bool done() const { return data_.empty(); }

 private:
  std::string_view data_;
};

class StreamSource : public Source {
 public:
  explicit StreamSource(util::Stream& s) : s_(s) {}
  util::Result<std::string> until(char delim, size_t max, const char* what) override {
    auto r = s_.read_until(delim, max);
    if (!r) return std::unexpected(r.error());
    if (r->end == util::LineEnd::kTooLong)
      return util::fail_kind(ErrorKind::kTooLong, std::string(what) + " too long");
    if (r->end == util::LineEnd::kEof)
      return util::fail_kind(ErrorKind::kMalformed, "attribute protocol: premature end of input");
    return std::move(r->text);
  }
  util::Result<std::string> exact(size_t n) override { return s_.read_exact(n); }
  util::Result<char> byte() override {
    auto r = s_.read_exact(1);
    if (!r) return std::unexpected(r.error());
    return (*r)[0];
  }

 private:
  util::Stream& s_;
};

util::Result<size_t> parse_size(std::string_view text, size_t max, const char* what) {
  size_t value = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec == std::errc::invalid_argument || p != text.data() + text.size())
    return util::fail_kind(ErrorKind::kMalformed, std::string("attribute protocol: bad ") + what);
  if (ec == std::errc::result_out_of_range || value > max)
    return util::fail_kind(ErrorKind::kTooLong, std::string("attribute protocol: ") + what + " too large");
  return value;
}

// Recursive descent with explicit bounds; `count` is shared by all levels.
util::Result<AttrList> read_list(Source& src, const AttrLimits& limits, size_t depth, size_t& count) {
  AttrList list;
  for (;;) {
    auto name = src.until('\0', limits.max_name, "attribute protocol: attribute name");
    if (!name) return std::unexpected(name.error());
    if (name->empty()) return list;
    if (++count > limits.max_count)
      return util::fail_kind(ErrorKind::kTooLong, "attribute protocol: too many attributes");
    auto type = src.byte();
    if (!type) return std::unexpected(type.error());
    switch (*type) {
      case 's': {
        // Room for the digits of max_value: a longer length is refused early.
        auto len_text = src.until(':', 20, "attribute protocol: value length");
        if (!len_text) return std::unexpected(len_text.error());
        auto len = parse_size(*len_text, limits.max_value, "value length");
        if (!len) return std::unexpected(len.error());
        auto value = src.exact(*len);
        if (!value) return std::unexpected(value.error());
        list.add(std::move(*name), std::move(*value));
        break;
      }
      case 'i': {
        auto text = src.until('\0', 21, "attribute protocol: integer");
        if (!text) return std::unexpected(text.error());
        std::int64_t value = 0;
        auto [p, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
        if (text->empty() || ec != std::errc() || p != text->data() + text->size())
          return util::fail_kind(ErrorKind::kMalformed,
                                 "attribute protocol: bad integer value for " + *name);
        list.add(std::move(*name), value);
        break;
      }
      case 'l': {
        if (depth + 1 > limits.max_depth)
          return util::fail_kind(ErrorKind::kTooLong, "attribute protocol: lists nested too deeply");
        auto nested = read_list(src, limits, depth + 1, count);
        if (!nested) return std::unexpected(nested.error());
        list.add(std::move(*name), std::move(*nested));
        break;
      }
      default:
        return util::fail_kind(ErrorKind::kMalformed,
                               "attribute protocol: unknown value type for " + *name);
    }
  }
}

void encode_into(const AttrList& list, std::string& out) {
  for (const Attr& a : list.attrs()) {
    // Names are program constants; a bad one is a bug, not input.
    if (a.name.empty() || a.name.find('\0') != std::string::npos)
      util::msg_panic("attribute protocol: bad attribute name");
    out += a.name;
    out += '\0';
    switch (a.type) {
      case Attr::Type::kString:
        out += 's' + std::to_string(a.str.size()) + ':';
        out += a.str;
        break;
      case Attr::Type::kInt:
        out += 'i' + std::to_string(a.num);
        out += '\0';
        break;
      case Attr::Type::kList:
        out += 'l';
        encode_into(a.list, out);
        break;
    }
  }
  out += '\0';
}

}  // namespace

AttrList& AttrList::add(std::string name, std::string value) {
  Attr a;
  a.name = std::move(name);
  a.type = Attr::Type::kString;
  a.str = std::move(value);
  attrs_.push_back(std::move(a));
  return *this;
}

AttrList& AttrList::add(std::string name, std::int64_t value) {
  Attr a;
  a.name = std::move(name);
  a.type = Attr::Type::kInt;
  a.num = value;
  attrs_.push_back(std::move(a));
  return *this;
}

AttrList& AttrList::add(std::string name, AttrList nested) {
  Attr a;
  a.name = std::move(name);
  a.type = Attr::Type::kList;
  a.list = std::move(nested);
  attrs_.push_back(std::move(a));
  return *this;
}

const Attr* AttrList::find(std::string_view name) const {
  for (const Attr& a : attrs_) {
    if (a.name == name) return &a;
  }
  return nullptr;
}

util::Result<std::string> AttrList::get_string(std::string_view name) const {
  const Attr* a = find(name);
  if (a == nullptr) return util::fail_kind(ErrorKind::kMalformed, "missing attribute " + std::string(name));
  if (a->type != Attr::Type::kString)
    return util::fail_kind(ErrorKind::kMalformed, "attribute " + std::string(name) + ": not a string");
  return a->str;
}

util::Result<std::int64_t> AttrList::get_int(std::string_view name) const {
  const Attr* a = find(name);
  if (a == nullptr) return util::fail_kind(ErrorKind::kMalformed, "missing attribute " + std::string(name));
  if (a->type != Attr::Type::kInt)
    return util::fail_kind(ErrorKind::kMalformed, "attribute " + std::string(name) + ": not an integer");
  return a->num;
}

util::Result<const AttrList*> AttrList::get_list(std::string_view name) const {
  const Attr* a = find(name);
  if (a == nullptr) return util::fail_kind(ErrorKind::kMalformed, "missing attribute " + std::string(name));
  if (a->type != Attr::Type::kList)
    return util::fail_kind(ErrorKind::kMalformed, "attribute " + std::string(name) + ": not a list");
  return &a->list;
}

bool AttrList::operator==(const AttrList& other) const { return attrs_ == other.attrs_; }

std::string encode_attrs(const AttrList& list) {
  std::string out;
  encode_into(list, out);
  return out;
}

util::Result<AttrList> decode_attrs(std::string_view data, const AttrLimits& limits) {
  StringSource src(data);
  size_t count = 0;
  auto list = read_list(src, limits, 0, count);
  if (!list) return list;
  if (!src.done())
    return util::fail_kind(ErrorKind::kMalformed, "attribute protocol: garbage after end of message");
  return list;
}

util::Result<void> write_attrs(util::Stream& stream, const AttrList& list, bool flush) {
  if (auto w = stream.write(encode_attrs(list)); !w) return w;
  if (flush) return stream.flush();
  return {};
}

util::Result<AttrList> read_attrs(util::Stream& stream, const AttrLimits& limits) {
  StreamSource src(stream);
  size_t count = 0;
  return read_list(src, limits, 0, count);
}

util::Result<AttrList> attr_request(util::Stream& stream, const AttrList& request,
                                    const AttrLimits& limits) {
  if (auto w = write_attrs(stream, request); !w) return std::unexpected(w.error());
  return read_attrs(stream, limits);
}

}  // namespace mail
