#include "tests/support/smtp_client.h"

#include <cctype>

#include "libutil/socket.h"

namespace test {

namespace {
constexpr size_t kMaxReplyLine = 100000;
constexpr size_t kMaxReplyLines = 1000;
}  // namespace

std::string SmtpReplyLines::text() const {
  std::string out;
  for (const auto& l : lines) {
    if (!out.empty()) out += "\n";
    out += l;
  }
  return out;
}

bool SmtpReplyLines::has_keyword(std::string_view keyword) const {
  for (size_t i = 1; i < lines.size(); ++i) {
    std::string_view l = lines[i];
    if (l.size() < 4) continue;
    l.remove_prefix(4);
    if (l.substr(0, keyword.size()) == keyword &&
        (l.size() == keyword.size() || l[keyword.size()] == ' ' || l[keyword.size()] == '='))
      return true;
  }
  return false;
}

util::Result<SmtpClient> SmtpClient::connect(const std::string& host, int port,
                                             std::chrono::milliseconds timeout) {
  auto fd = util::inet_connect(host, std::to_string(port), timeout);
  if (!fd) return std::unexpected(fd.error());
  return SmtpClient(util::Stream(std::move(*fd), timeout));
}

util::Result<SmtpReplyLines> SmtpClient::read_reply() {
  SmtpReplyLines reply;
  for (;;) {
    auto line = stream_.read_line(kMaxReplyLine);
    if (!line) return std::unexpected(line.error());
    if (line->end != util::LineEnd::kNewline)
      return util::fail_kind(util::ErrorKind::kMalformed, "reply line without newline");
    std::string text = std::move(line->text);
    if (!text.empty() && text.back() == '\r') text.pop_back();
    if (text.size() < 3 || !std::isdigit(static_cast<unsigned char>(text[0])) ||
        !std::isdigit(static_cast<unsigned char>(text[1])) ||
        !std::isdigit(static_cast<unsigned char>(text[2])) ||
        (text.size() > 3 && text[3] != ' ' && text[3] != '-'))
      return util::fail_kind(util::ErrorKind::kMalformed, "malformed reply line: " + text);
    int code = std::stoi(text.substr(0, 3));
    if (reply.lines.empty()) reply.code = code;
    bool more = text.size() > 3 && text[3] == '-';
    reply.lines.push_back(std::move(text));
    if (!more) return reply;
    if (reply.lines.size() >= kMaxReplyLines)
      return util::fail_kind(util::ErrorKind::kTooLong, "too many reply lines");
  }
}

util::Result<void> SmtpClient::send_line(std::string_view line) {
  std::string out(line);
  out += "\r\n";
  return send_raw(out);
}

util::Result<void> SmtpClient::send_raw(std::string_view bytes) {
  if (auto w = stream_.write(bytes); !w) return w;
  return stream_.flush();
}

util::Result<SmtpReplyLines> SmtpClient::command(std::string_view line) {
  if (auto s = send_line(line); !s) return std::unexpected(s.error());
  return read_reply();
}

bool SmtpClient::closed_within(std::chrono::milliseconds wait) {
  auto saved = stream_.timeout();
  stream_.set_timeout(wait);
  bool closed = false;
  for (;;) {
    auto some = stream_.read_some(65536);
    if (!some) {
      closed = some.error().kind != util::ErrorKind::kTimeout;
      break;
    }
  }
  stream_.set_timeout(saved);
  return closed;
}

util::Result<SmtpReplyLines> SmtpClient::send_message(std::string_view from,
                                                      const std::vector<std::string>& to,
                                                      std::string_view body) {
  auto r = command("MAIL FROM:<" + std::string(from) + ">");
  if (!r || r->code / 100 != 2) return r;
  for (const auto& rcpt : to) {
    r = command("RCPT TO:<" + rcpt + ">");
    if (!r || r->code / 100 != 2) return r;
  }
  r = command("DATA");
  if (!r || r->code != 354) return r;
  std::string data;
  size_t pos = 0;
  while (pos < body.size()) {
    size_t nl = body.find('\n', pos);
    std::string_view line =
        body.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? body.size() : nl + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!line.empty() && line.front() == '.') data += ".";
    data += line;
    data += "\r\n";
  }
  data += ".\r\n";
  if (auto s = send_raw(data); !s) return std::unexpected(s.error());
  return read_reply();
}

std::optional<std::string> queued_as(const SmtpReplyLines& reply) {
  if (reply.code != 250 || reply.lines.empty()) return std::nullopt;
  const std::string& l = reply.lines.back();
  auto at = l.find("queued as ");
  if (at == std::string::npos) return std::nullopt;
  return l.substr(at + 10);
}

}  // namespace test
