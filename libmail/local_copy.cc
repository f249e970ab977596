#include "libmail/local_copy.h"

#include <ctime>

#include "libutil/strings.h"

namespace mail {

MailCopyFlags mbox_copy_flags() {
  MailCopyFlags f;
  f.from_line = f.quote_from = f.return_path = f.orig_rcpt = f.delivered = f.blank_line = true;
  return f;
}

MailCopyFlags maildir_copy_flags() {
  MailCopyFlags f;
  f.return_path = f.orig_rcpt = f.delivered = true;
  return f;
}

std::string mbox_from_line(std::string_view sender, std::time_t when) {
  std::tm tm{};
  ::localtime_r(&when, &tm);
  char date[64];
  // asctime's layout: the day of month is padded with a space, not a zero.
  std::strftime(date, sizeof date, "%a %b %e %H:%M:%S %Y", &tm);
  std::string line = "From ";
  line += sender.empty() ? std::string_view("MAILER-DAEMON") : sender;
  line += "  ";
  line += date;
  line += '\n';
  return line;
}

std::string format_mail_copy(const MailCopyEnvelope& envelope, const MailCopyFlags& flags,
                             const std::vector<std::string>& lines) {
  std::string out;
  std::size_t total = 256;
  for (const auto& l : lines) total += l.size() + 2;
  out.reserve(total);
  if (flags.from_line) out += mbox_from_line(envelope.sender, envelope.when);
  if (flags.return_path) out += "Return-Path: <" + envelope.sender + ">\n";
  if (flags.orig_rcpt) out += "X-Original-To: " + envelope.orig_rcpt + "\n";
  if (flags.delivered) out += "Delivered-To: " + envelope.delivered + "\n";
  for (const auto& line : lines) {
    if (flags.quote_from && line.starts_with("From ")) out += '>';
    out += line;
    out += '\n';
  }
  if (flags.blank_line) out += '\n';
  return out;
}

bool has_delivered_to(const std::vector<std::string>& lines, std::string_view address) {
  constexpr std::string_view kName = "delivered-to:";
  for (const auto& line : lines) {
    if (line.empty()) break;  // end of the header section
    if (line.size() < kName.size() || !util::starts_with_icase(line, kName)) continue;
    if (util::iequals(util::trim(std::string_view(line).substr(kName.size())), address))
      return true;
  }
  return false;
}

}  // namespace mail
