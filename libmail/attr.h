// mail::AttrList and its wire format: the typed attribute protocol that
// Postern processes speak over UNIX stream sockets (cleanup, qmgr, local,
// bounce, trivial-rewrite requests and replies; master status is simpler).
// A message is a list of (name, value) where a value is a byte string, a
// signed 64-bit integer or a nested list.
//
// Wire format (ours; Postern talks to Postern only, so it need not match
// Postfix's internal attr0/attr64 encodings, but it is built the same way):
//   message   = attribute* NUL                 (an empty name ends a list)
//   attribute = name NUL value
//   value     = "s" LENGTH ":" BYTES           (binary safe, any bytes)
//             | "i" ["-"] DIGITS NUL
//             | "l" message                    (nested list)
// e.g. {queue_id=ABC, flags=3} is "queue_id\0s3:ABCflags\0i3\0\0".
//
// Easy to get wrong: the reader faces a peer that may be broken or hostile
// (a chrooted, unprivileged process can be compromised): every name, value,
// count and nesting depth has a bound, and anything off-format is a
// kMalformed/kTooLong error, never a crash or an unbounded allocation.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "libutil/error.h"
#include "libutil/stream.h"

namespace mail {

struct Attr;

class AttrList {
 public:
  AttrList& add(std::string name, std::string value);
  AttrList& add(std::string name, const char* value) { return add(std::move(name), std::string(value)); }
  AttrList& add(std::string name, std::int64_t value);
  AttrList& add(std::string name, int value) { return add(std::move(name), std::int64_t{value}); }
  AttrList& add(std::string name, AttrList nested);

  const std::vector<Attr>& attrs() const { return attrs_; }
  bool empty() const { return attrs_.empty(); }
  size_t size() const { return attrs_.size(); }
  // First attribute with this name, or nullptr.
  const Attr* find(std::string_view name) const;
  // Typed access; a missing attribute or one of the wrong type is an error
  // naming it ("missing attribute queue_id", "attribute flags: not an integer").
  util::Result<std::string> get_string(std::string_view name) const;
  util::Result<std::int64_t> get_int(std::string_view name) const;
  util::Result<const AttrList*> get_list(std::string_view name) const;

  bool operator==(const AttrList& other) const;

 private:
  std::vector<Attr> attrs_;
};

struct Attr {
  enum class Type { kString, kInt, kList };
  std::string name;
  Type type = Type::kString;
  std::string str;
  std::int64_t num = 0;
  AttrList list;

  bool operator==(const Attr& other) const = default;
};

struct AttrLimits {
  size_t max_name = 100;
  size_t max_value = 100 * 1024 * 1024;  // a single string value
  size_t max_count = 10000;              // attributes in a message, nested ones included
  size_t max_depth = 8;                  // nesting of lists
};

std::string encode_attrs(const AttrList& list);
util::Result<AttrList> decode_attrs(std::string_view data, const AttrLimits& limits = {});

// Write a message (flushing unless told not to) / read one from a stream,
// with the stream's deadline applying to each read.
util::Result<void> write_attrs(util::Stream& stream, const AttrList& list, bool flush = true);
util::Result<AttrList> read_attrs(util::Stream& stream, const AttrLimits& limits = {});

// Client side of a request: send, flush, read the reply.
util::Result<AttrList> attr_request(util::Stream& stream, const AttrList& request,
                                    const AttrLimits& limits = {});

}  // namespace mail
