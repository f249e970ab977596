#include "libmail/queue_id.h"

#include <algorithm>
#include <cstdio>

namespace mail {
namespace {

// Digits, consonants upper case, consonants lower case: 52 symbols, so no
// ID spells a word; the inode part stops before `z`, which separates it.
constexpr std::string_view kBase52 = "0123456789BCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz";
constexpr char kLongSeparator = 'z';

std::string encode(unsigned long long value, unsigned base, std::size_t min_width) {
  std::string out;
  do {
    out += kBase52[value % base];
    value /= base;
  } while (value > 0);
  while (out.size() < min_width) out += '0';
  std::reverse(out.begin(), out.end());
  return out;
}

std::optional<unsigned long long> decode(std::string_view s, unsigned base) {
  if (s.empty() || s.size() > 12) return std::nullopt;
  unsigned long long value = 0;
  for (char c : s) {
    auto pos = kBase52.find(c);
    if (pos == std::string_view::npos || pos >= base) return std::nullopt;
    value = value * base + pos;
  }
  return value;
}

std::optional<unsigned long long> decode_hex_upper(std::string_view s) {
  if (s.empty() || s.size() > 16) return std::nullopt;
  unsigned long long value = 0;
  for (char c : s) {
    int digit;
    if (c >= '0' && c <= '9') digit = c - '0';
    else if (c >= 'A' && c <= 'F') digit = c - 'A' + 10;
    else return std::nullopt;
    value = value * 16 + static_cast<unsigned>(digit);
  }
  return value;
}

}  // namespace

std::string make_short_queue_id(long usec, ino_t inode) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%05lX%lX", static_cast<unsigned long>(usec),
                static_cast<unsigned long>(inode));
  return buf;
}

std::string make_long_queue_id(time_t seconds, long usec, ino_t inode) {
  return encode(static_cast<unsigned long long>(seconds), 52, 6) +
         encode(static_cast<unsigned long long>(usec), 52, 4) + kLongSeparator +
         encode(static_cast<unsigned long long>(inode), 51, 1);
}

std::optional<QueueIdParts> parse_queue_id(std::string_view id) {
  QueueIdParts parts;
  if (id.size() > 11 && id[10] == kLongSeparator) {
    auto sec = decode(id.substr(0, 6), 52);
    auto usec = decode(id.substr(6, 4), 52);
    auto inode = decode(id.substr(11), 51);
    if (sec && usec && inode && *usec < 1000000) {
      parts.long_form = true;
      parts.seconds = static_cast<time_t>(*sec);
      parts.usec = static_cast<long>(*usec);
      parts.inode = static_cast<ino_t>(*inode);
      return parts;
    }
  }
  if (id.size() > 5) {
    auto usec = decode_hex_upper(id.substr(0, 5));
    auto inode = decode_hex_upper(id.substr(5));
    if (usec && inode && *usec < 1000000) {
      parts.usec = static_cast<long>(*usec);
      parts.inode = static_cast<ino_t>(*inode);
      return parts;
    }
  }
  return std::nullopt;
}

bool queue_id_ok(std::string_view id) {
  if (id.empty() || id.size() > 255) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '_';
  });
}

std::string queue_hash_dir(std::string_view id, int depth) {
  std::string source;
  auto parts = parse_queue_id(id);
  if (parts && parts->long_form) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%05lX", static_cast<unsigned long>(parts->usec));
    source = buf;
  } else {
    source = std::string(id);
  }
  std::string out;
  for (int i = 0; i < depth && static_cast<std::size_t>(i) < source.size(); ++i) {
    out += source[static_cast<std::size_t>(i)];
    out += '/';
  }
  return out;
}

std::string queue_file_path(std::string_view queue, std::string_view id,
                            const std::vector<std::string>& hash_queue_names, int depth) {
  std::string path(queue);
  path += '/';
  if (std::find(hash_queue_names.begin(), hash_queue_names.end(), queue) !=
      hash_queue_names.end())
    path += queue_hash_dir(id, depth);
  path += id;
  return path;
}

std::vector<std::string> default_hash_queue_names() { return {"deferred", "defer"}; }

}  // namespace mail
