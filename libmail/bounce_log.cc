// Parser for bounce/defer/trace logs; see bounce_log.h.
#include "libmail/bounce_log.h"

#include <fcntl.h>

#include <cerrno>
#include <charconv>
#include <optional>

#include "libutil/fd.h"
#include "libutil/os.h"

namespace mail {

namespace {

// Whole-file bound for read_bounce_log: far above any real log (a block is
// a few hundred bytes), low enough that junk cannot exhaust memory.
constexpr std::size_t kMaxLogFile = 64 * 1024 * 1024;

template <class Int>
bool parse_number(std::string_view text, Int& out) {
  if (text.empty()) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

// One block's lines to an entry; the error names what is wrong.
util::Result<BounceLogEntry> parse_block(const std::vector<std::string_view>& lines) {
  BounceLogEntry e;
  bool have_recipient = false, have_status = false, have_reason = false;
  for (std::string_view line : lines) {
    // The human-readable "<rcpt>: reason" line repeats what the attributes say.
    if (line.front() == '<') continue;
    auto eq = line.find('=');
    if (eq == std::string_view::npos || eq == 0) {
      return util::fail_kind(util::ErrorKind::kMalformed, "bad line \"" + std::string(line) + "\"");
    }
    std::string_view name = line.substr(0, eq);
    std::string value(line.substr(eq + 1));
    if (name == "recipient") {
      e.recipient = std::move(value);
      have_recipient = true;
    } else if (name == "orig_rcpt") {
      e.orig_rcpt = std::move(value);
    } else if (name == "offset") {
      long long off = 0;
      if (!parse_number(value, off) || off < 0) {
        return util::fail_kind(util::ErrorKind::kMalformed, "bad offset \"" + value + "\"");
      }
      e.offset = static_cast<off_t>(off);
    } else if (name == "dsn_orig_rcpt") {
      e.dsn_orig_rcpt = std::move(value);
    } else if (name == "notify_flags") {
      if (!parse_number(value, e.notify_flags) || e.notify_flags < 0) {
        return util::fail_kind(util::ErrorKind::kMalformed, "bad notify_flags \"" + value + "\"");
      }
    } else if (name == "status") {
      e.status = std::move(value);
      have_status = true;
    } else if (name == "action") {
      e.action = std::move(value);
    } else if (name == "reason") {
      e.reason = std::move(value);
      have_reason = true;
    } else if (name == "diag_type") {
      e.diag_type = std::move(value);
    } else if (name == "diag_text") {
      e.diag_text = std::move(value);
    } else if (name == "mta_type") {
      e.mta_type = std::move(value);
    } else if (name == "mta_mname") {
      e.mta_mname = std::move(value);
    }
    // Other names: written by a newer version; ignored, as Postfix does.
  }
  if (!have_recipient) return util::fail_kind(util::ErrorKind::kMalformed, "missing recipient");
  if (!have_status) return util::fail_kind(util::ErrorKind::kMalformed, "missing status");
  if (!have_reason) return util::fail_kind(util::ErrorKind::kMalformed, "missing reason");
  return e;
}

}  // namespace

BounceLogParse parse_bounce_log(std::string_view text, std::string_view source,
                                const BounceLogLimits& limits) {
  BounceLogParse out;
  std::vector<std::string_view> block;
  bool block_too_long = false;
  std::size_t block_number = 0;
  auto finish_block = [&] {
    if (block.empty() && !block_too_long) return;
    ++block_number;
    if (block_too_long) {
      out.warnings.push_back(std::string(source) + ": skipping malformed entry " +
                             std::to_string(block_number) + ": line too long");
    } else if (out.entries.size() >= limits.max_entries) {
      out.warnings.push_back(std::string(source) + ": too many entries; skipping entry " +
                             std::to_string(block_number));
    } else if (auto entry = parse_block(block)) {
      out.entries.push_back(std::move(*entry));
    } else {
      out.warnings.push_back(std::string(source) + ": skipping malformed entry " +
                             std::to_string(block_number) + ": " + entry.error().message);
    }
    block.clear();
    block_too_long = false;
  };

  std::size_t pos = 0;
  while (pos < text.size()) {
    auto nl = text.find('\n', pos);
    bool complete = nl != std::string_view::npos;
    std::string_view line = text.substr(pos, complete ? nl - pos : std::string_view::npos);
    pos = complete ? nl + 1 : text.size();
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) {
      finish_block();
    } else if (line.size() > limits.max_line) {
      block_too_long = true;
    } else {
      block.push_back(line);
    }
  }
  finish_block();
  return out;
}

util::Result<BounceLogParse> read_bounce_log(const std::string& path,
                                             const BounceLogLimits& limits) {
  util::Fd fd(util::os::open(path.c_str(), O_RDONLY));
  if (!fd) return util::fail_errno("open " + path);
  std::string bytes;
  char buf[16384];
  for (;;) {
    ssize_t got = util::os::read(fd.get(), buf, sizeof buf);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return util::fail_errno("read " + path);
    if (got == 0) break;
    if (bytes.size() + static_cast<std::size_t>(got) > kMaxLogFile) {
      return util::fail_kind(util::ErrorKind::kTooLong, path + ": file too large");
    }
    bytes.append(buf, static_cast<std::size_t>(got));
  }
  return parse_bounce_log(bytes, path, limits);
}

}  // namespace mail
