#include "libmail/queue_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>

#include "libutil/fd.h"

namespace mail {
namespace {

// Record types a queue file may start with (what postcat accepts): the
// envelope types, and M for a file with an empty envelope.
bool valid_first_type(char type) {
  return std::string_view("CTcFILSDRO/WAV><ionKM").find(type) != std::string_view::npos;
}

std::pair<std::string_view, std::string_view> split_attr(std::string_view data) {
  auto eq = data.find('=');
  if (eq == std::string_view::npos) return {data, {}};
  return {data.substr(0, eq), data.substr(eq + 1)};
}

std::optional<std::string> first_of(const std::vector<Record>& records, char type) {
  for (const auto& r : records)
    if (r.type == type) return r.data;
  return std::nullopt;
}

void collect_recipients(const std::vector<Record>& records, bool extracted,
                        std::vector<Recipient>& out) {
  Recipient pending;
  for (const auto& r : records) {
    if (r.type == rec::kAttr) {
      auto [name, value] = split_attr(r.data);
      if (name == "notify_flags") pending.notify_flags = std::atoi(std::string(value).c_str());
      else if (name == "dsn_orig_rcpt") pending.dsn_orig_rcpt = std::string(value);
    } else if (r.type == rec::kOrigRcpt) {
      pending.orig = r.data;
    } else if (r.type == rec::kRcpt || r.type == rec::kDone) {
      pending.address = r.data;
      pending.done = r.type == rec::kDone;
      pending.extracted = extracted;
      pending.offset = r.offset;
      out.push_back(std::move(pending));
      pending = Recipient{};
    }
  }
}

void append_recipient(std::string& out, const NewRecipient& r, long& count, int& notify_or) {
  if (r.notify_flags != 0)
    append_record(out, rec::kAttr, "notify_flags=" + std::to_string(r.notify_flags));
  if (r.dsn_orig_rcpt) append_record(out, rec::kAttr, "dsn_orig_rcpt=" + *r.dsn_orig_rcpt);
  if (r.orig) append_record(out, rec::kOrigRcpt, *r.orig);
  append_record(out, rec::kRcpt, r.address);
  ++count;
  if (!r.bcc_action) notify_or |= r.notify_flags;
}

void append_attr(std::string& out, const std::pair<std::string, std::string>& attr) {
  append_record(out, rec::kAttr, attr.first + "=" + attr.second);
}

}  // namespace

std::string format_size_record(const SizeRecord& s) {
  char buf[160];
  std::snprintf(buf, sizeof buf, "%15ld %15ld %15ld %15ld %15ld %15ld", s.content_size,
                s.data_offset, s.rcpt_count, s.qmgr_flags, s.content_length, s.smtputf8);
  return buf;
}

std::optional<SizeRecord> parse_size_record(std::string_view payload) {
  std::string text(payload);
  SizeRecord s;
  int n = std::sscanf(text.c_str(), "%ld %ld %ld %ld %ld %ld", &s.content_size, &s.data_offset,
                      &s.rcpt_count, &s.qmgr_flags, &s.content_length, &s.smtputf8);
  if (n < 2 || s.content_size <= 0 || s.data_offset <= 0) return std::nullopt;
  return s;
}

std::optional<SizeRecord> QueueFile::size() const {
  auto payload = first_of(envelope, rec::kSize);
  if (!payload) return std::nullopt;
  return parse_size_record(*payload);
}

std::optional<std::pair<long, long>> QueueFile::arrival_time() const {
  auto payload = first_of(envelope, rec::kTime);
  if (!payload) return std::nullopt;
  long sec = 0, usec = 0;
  if (std::sscanf(payload->c_str(), "%ld %ld", &sec, &usec) < 1) return std::nullopt;
  return std::pair<long, long>(sec, usec);
}

std::optional<std::string> QueueFile::sender() const { return first_of(envelope, rec::kFrom); }
std::optional<std::string> QueueFile::full_name() const {
  return first_of(envelope, rec::kFullName);
}

std::vector<std::pair<std::string, std::string>> QueueFile::attributes() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& r : envelope) {
    if (r.type != rec::kAttr) continue;
    auto [name, value] = split_attr(r.data);
    out.emplace_back(std::string(name), std::string(value));
  }
  return out;
}

std::optional<std::string> QueueFile::attribute(std::string_view name) const {
  for (const auto& [n, v] : attributes())
    if (n == name) return v;
  return std::nullopt;
}

std::vector<Recipient> QueueFile::recipients() const {
  std::vector<Recipient> out;
  collect_recipients(envelope, false, out);
  collect_recipients(extracted, true, out);
  return out;
}

std::vector<std::string> QueueFile::text_lines() const {
  std::vector<std::string> out;
  std::string partial;
  for (const auto& r : content) {
    if (r.type == rec::kCont) {
      partial += r.data;
    } else if (r.type == rec::kNorm) {
      out.push_back(partial + r.data);
      partial.clear();
    }
  }
  if (!partial.empty()) out.push_back(partial);
  return out;
}

util::Result<QueueFile> parse_queue_file(std::string_view bytes, const ParseLimits& limits) {
  auto records = parse_records(bytes, limits.max_record_length, limits.max_records);
  if (!records) return std::unexpected(records.error());
  QueueFile file;
  if (records->empty() || !valid_first_type(records->front().type))
    return util::fail("input is not a valid queue file");
  enum { kEnvelope, kContent, kExtracted, kDone } state = kEnvelope;
  for (auto& r : *records) {
    if (state == kDone) return util::fail("data after end of file marker");
    switch (r.type) {
      case rec::kMessage:
        if (state != kEnvelope) return util::fail("out-of-order message content marker");
        file.has_message = true;
        state = kContent;
        continue;
      case rec::kExtract:
        if (state != kContent) return util::fail("out-of-order extracted segment marker");
        file.has_extract = true;
        state = kExtracted;
        continue;
      case rec::kEnd:
        if (state != kExtracted) return util::fail("out-of-order message end marker");
        file.has_end = true;
        state = kDone;
        continue;
      default:
        break;
    }
    if (state == kEnvelope) file.envelope.push_back(std::move(r));
    else if (state == kContent) file.content.push_back(std::move(r));
    else file.extracted.push_back(std::move(r));
  }
  if (!file.has_end) return util::fail("missing end of file marker");
  return file;
}

util::Result<QueueFile> read_queue_file(const std::string& path, const ParseLimits& limits) {
  util::Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return util::fail_errno("open " + path);
  std::string bytes;
  char buf[65536];
  for (;;) {
    ssize_t got = ::read(fd.get(), buf, sizeof buf);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return util::fail_errno("read " + path);
    if (got == 0) break;
    bytes.append(buf, static_cast<std::size_t>(got));
  }
  auto file = parse_queue_file(bytes, limits);
  if (!file) return util::fail(path + ": " + file.error().message);
  return file;
}

std::string serialize_queue_file(const QueueFile& file) {
  std::string out;
  for (const auto& r : file.envelope) append_record(out, r.type, r.data);
  if (file.has_message) append_record(out, rec::kMessage, "");
  for (const auto& r : file.content) append_record(out, r.type, r.data);
  if (file.has_extract) append_record(out, rec::kExtract, "");
  for (const auto& r : file.extracted) append_record(out, r.type, r.data);
  if (file.has_end) append_record(out, rec::kEnd, "");
  return out;
}

std::string build_queue_file(const NewMessage& m) {
  long rcpt_count = 0;
  int notify_or = 0;
  std::string body;  // everything after the C record
  append_record(body, rec::kTime,
                std::to_string(m.arrival_seconds) + " " + std::to_string(m.arrival_usec));
  if (m.create_time) append_record(body, rec::kAttr, "create_time=" + std::to_string(*m.create_time));
  for (const auto& a : m.pre_sender_attributes) append_attr(body, a);
  if (m.full_name) append_record(body, rec::kFullName, *m.full_name);
  append_record(body, rec::kFrom, m.sender);
  if (m.verp_delimiters) append_record(body, rec::kVerp, *m.verp_delimiters);
  if (m.warning_time) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%15ld", *m.warning_time);
    append_record(body, rec::kWarn, buf);
  }
  for (const auto& a : m.post_sender_attributes) append_attr(body, a);
  for (const auto& r : m.recipients) append_recipient(body, r, rcpt_count, notify_or);
  append_record(body, rec::kMessage, "");
  std::size_t data_start = body.size();
  for (const auto& line : m.lines) append_text_line(body, line, m.line_length_limit);
  std::size_t extract_at = body.size();
  append_record(body, rec::kExtract, "");
  for (const auto& a : m.extracted_attributes) append_attr(body, a);
  if (m.content_filter) append_record(body, rec::kFilter, *m.content_filter);
  if (m.redirect_to) append_record(body, rec::kRedirect, *m.redirect_to);
  for (const auto& r : m.extracted_recipients) append_recipient(body, r, rcpt_count, notify_or);
  append_record(body, rec::kEnd, "");

  if (!m.size_record) return body;
  SizeRecord s;
  // The C record's size does not depend on its values (fixed width), so the
  // offsets can be computed before it is written.
  std::size_t base = record_size(format_size_record(s).size());
  s.data_offset = static_cast<long>(base + data_start);
  s.content_size = static_cast<long>(extract_at - data_start);
  s.content_length = s.content_size;
  s.rcpt_count = rcpt_count;
  s.qmgr_flags = static_cast<long>(notify_or) << 1;
  s.smtputf8 = m.smtputf8;
  std::string out;
  append_record(out, rec::kSize, format_size_record(s));
  out += body;
  return out;
}

util::Result<void> mark_recipient_done(int fd, off_t offset) {
  char type = 0;
  ssize_t got = ::pread(fd, &type, 1, offset);
  if (got < 0) return util::fail_errno("read queue file at offset " + std::to_string(offset));
  if (got == 0 || type != rec::kRcpt) {
    if (got == 1 && type == rec::kDone) return {};  // already done: idempotent
    return util::fail("queue file offset " + std::to_string(offset) +
                      ": not a recipient record");
  }
  type = rec::kDone;
  if (::pwrite(fd, &type, 1, offset) != 1)
    return util::fail_errno("update queue file at offset " + std::to_string(offset));
  return {};
}

util::Result<void> mark_recipient_done(const std::string& path, off_t offset) {
  util::Fd fd(::open(path.c_str(), O_RDWR | O_CLOEXEC));
  if (!fd) return util::fail_errno("open " + path);
  return mark_recipient_done(fd.get(), offset);
}

}  // namespace mail
