#include "libmail/record.h"

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <unistd.h>

namespace mail {
namespace {

constexpr std::size_t kChunk = 65536;

std::string type_text(int type) { return "record type " + std::to_string(type); }

}  // namespace

std::size_t record_size(std::size_t payload_length) {
  std::size_t length_bytes = 1;
  for (std::size_t n = payload_length; n >= 128; n >>= 7) ++length_bytes;
  return 1 + length_bytes + payload_length;
}

void append_record(std::string& out, char type, std::string_view payload) {
  out += type;
  std::size_t n = payload.size();
  while (n >= 128) {
    out += static_cast<char>((n & 0x7f) | 0x80);
    n >>= 7;
  }
  out += static_cast<char>(n);
  out.append(payload);
}

void append_text_line(std::string& out, std::string_view line, std::size_t limit) {
  if (limit == 0) limit = kLineLengthLimit;
  while (line.size() > limit) {
    append_record(out, rec::kCont, line.substr(0, limit));
    line.remove_prefix(limit);
  }
  append_record(out, rec::kNorm, line);
}

RecordReader::RecordReader(int fd, std::size_t max_length) : fd_(fd), max_length_(max_length) {}

RecordReader::RecordReader(std::string_view data, std::size_t max_length)
    : mem_(data), max_length_(max_length) {}

bool RecordReader::fill() {
  if (fd_ < 0) return false;
  if (pos_ > 0) {
    buf_.erase(0, pos_);
    pos_ = 0;
  }
  std::size_t have = buf_.size();
  buf_.resize(have + kChunk);
  ssize_t got;
  do {
    got = ::read(fd_, buf_.data() + have, kChunk);
  } while (got < 0 && errno == EINTR);
  if (got < 0) io_errno_ = errno;
  buf_.resize(have + (got > 0 ? static_cast<std::size_t>(got) : 0));
  return got > 0;
}

int RecordReader::get_byte() {
  if (fd_ < 0) {
    if (pos_ >= mem_.size()) return -1;
    ++offset_;
    return static_cast<unsigned char>(mem_[pos_++]);
  }
  if (pos_ >= buf_.size() && !fill()) return -1;
  ++offset_;
  return static_cast<unsigned char>(buf_[pos_++]);
}

int RecordReader::peek() {
  if (fd_ < 0) return pos_ < mem_.size() ? static_cast<unsigned char>(mem_[pos_]) : -1;
  if (pos_ >= buf_.size() && !fill()) return -1;
  return static_cast<unsigned char>(buf_[pos_]);
}

util::Result<void> RecordReader::seek(off_t offset) {
  if (offset < 0) return util::fail("seek to bad offset " + std::to_string(offset));
  if (fd_ < 0) {
    pos_ = static_cast<std::size_t>(offset);
    if (pos_ > mem_.size()) pos_ = mem_.size();
  } else {
    if (::lseek(fd_, offset, SEEK_SET) < 0) return util::fail_errno("seek");
    buf_.clear();
    pos_ = 0;
  }
  offset_ = offset;
  return {};
}

util::Result<std::optional<Record>> RecordReader::next() {
  Record record;
  record.offset = offset_;
  int type = get_byte();
  if (type < 0) {
    if (io_errno_) return util::fail_errno("read", io_errno_);
    return std::optional<Record>();
  }
  record.type = static_cast<char>(type);

  // Decode as a 32-bit int the way Postfix does, so corrupt lengths get
  // the same numbers in the same messages.
  std::uint32_t len = 0;
  for (int shift = 0;; shift += 7) {
    if (shift >= 32) return util::fail("too many length bits, " + type_text(type));
    int c = get_byte();
    if (c < 0) return util::fail("unexpected EOF reading length, " + type_text(type));
    len |= static_cast<std::uint32_t>(c & 0x7f) << shift;
    if ((c & 0x80) == 0) break;
  }
  auto slen = static_cast<std::int32_t>(len);
  if (slen < 0 || (max_length_ > 0 && static_cast<std::size_t>(slen) > max_length_))
    return util::fail("illegal length " + std::to_string(slen) + ", " + type_text(type));

  std::size_t want = static_cast<std::size_t>(slen);
  if (fd_ < 0) {
    if (mem_.size() - pos_ < want)
      return util::fail("unexpected EOF in data, " + type_text(type) + " length " +
                        std::to_string(slen));
    record.data.assign(mem_.substr(pos_, want));
    pos_ += want;
    offset_ += static_cast<off_t>(want);
  } else {
    // Grow with the data actually present, never by the claimed length.
    while (record.data.size() < want) {
      if (pos_ >= buf_.size() && !fill()) {
        if (io_errno_) return util::fail_errno("read", io_errno_);
        return util::fail("unexpected EOF in data, " + type_text(type) + " length " +
                          std::to_string(slen));
      }
      std::size_t take = std::min(want - record.data.size(), buf_.size() - pos_);
      record.data.append(buf_, pos_, take);
      pos_ += take;
      offset_ += static_cast<off_t>(take);
    }
  }
  return std::optional<Record>(std::move(record));
}

util::Result<std::vector<Record>> parse_records(std::string_view data, std::size_t max_length,
                                                std::size_t max_count) {
  RecordReader reader(data, max_length);
  std::vector<Record> out;
  for (;;) {
    auto r = reader.next();
    if (!r) return std::unexpected(r.error());
    if (!*r) break;
    if (max_count > 0 && out.size() >= max_count)
      return util::fail("too many records (limit " + std::to_string(max_count) + ")");
    out.push_back(std::move(**r));
  }
  return out;
}

}  // namespace mail
