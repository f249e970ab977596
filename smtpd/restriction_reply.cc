// Reply and log text of the restriction engine (restriction_reply.h).
#include "smtpd/restriction_reply.h"

#include <cctype>
#include <functional>
#include <optional>

#include "libutil/log.h"

namespace smtpd {
namespace {

std::size_t digits(std::string_view s, std::size_t pos) {
  std::size_t n = 0;
  while (pos + n < s.size() && std::isdigit(static_cast<unsigned char>(s[pos + n]))) ++n;
  return n;
}

// Length of a valid status at the start of `s`, 0 if none.
std::size_t dsn_length(std::string_view s) {
  if (s.size() < 5 || (s[0] != '2' && s[0] != '4' && s[0] != '5') || s[1] != '.') return 0;
  std::size_t pos = 2;
  std::size_t n = digits(s, pos);
  if (n < 1 || n > 3 || pos + n >= s.size() || s[pos + n] != '.') return 0;
  pos += n + 1;
  n = digits(s, pos);
  if (n < 1 || n > 3) return 0;
  pos += n;
  if (pos < s.size() && s[pos] != ' ' && s[pos] != '\t') return 0;
  return pos;
}

}  // namespace

bool dsn_valid(std::string_view text) { return dsn_length(text) != 0; }

DsnSplit dsn_split(std::string_view default_dsn, std::string_view text) {
  DsnSplit out;
  std::size_t len = dsn_length(text);
  if (len == 0) {
    out.dsn = std::string(default_dsn);
    out.text = std::string(text);
    return out;
  }
  out.dsn = std::string(text.substr(0, len));
  text.remove_prefix(len);
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  out.text = std::string(text);
  return out;
}

std::string dsn_fix(std::string_view status, std::string_view reply_class) {
  if (status.size() < 5 || !std::isdigit(static_cast<unsigned char>(status[0])) ||
      status.substr(1, 3) != ".1.")
    return std::string(status);
  struct Map {
    std::string_view micro, sender, rcpt;
  };
  static constexpr Map kMap[] = {
      {"1", "4.1.0", "4.1.1"}, {"2", "4.1.8", "4.1.2"}, {"3", "4.1.7", "4.1.3"},
      {"4", "4.1.0", "4.1.4"}, {"5", "4.1.0", "4.1.5"}, {"6", "4.1.0", "4.1.6"},
      {"7", "4.1.7", "4.1.3"}, {"8", "4.1.8", "4.1.2"},
  };
  std::string_view micro = status.substr(4);
  std::string_view result;
  if (reply_class == kClassSender || reply_class == kClassRecipient) {
    result = "4.1.0";
    for (const auto& m : kMap) {
      if (m.micro == micro) {
        result = reply_class == kClassSender ? m.sender : m.rcpt;
        break;
      }
    }
  } else {
    result = "4.0.0";
  }
  std::string fixed(result);
  fixed[0] = status[0];
  if (status.substr(2) != result.substr(2)) {
    util::msg_info("mapping DSN status " + std::string(status) + " into " +
                   std::string(reply_class) + " status " + fixed);
  }
  return fixed;
}

SmtpReply make_reply(int code, std::string_view dsn, std::string_view text, bool soft_bounce) {
  std::string line = std::to_string(code) + " " + std::string(dsn) + " " + std::string(text);
  SmtpReply r{code, std::string(dsn), std::string(text)};
  if (code < 400 || code > 599) {
    util::msg_warn("SMTP reply code configuration error: " + line);
    r = SmtpReply{450, "4.7.1", "Service unavailable"};
  } else if (!dsn_valid(dsn)) {
    util::msg_warn("DSN detail code configuration error: " + line);
    r = SmtpReply{450, "4.7.1", "Service unavailable"};
  }
  // "NNN D.D.D " prefix plus text must fit in 510 bytes.
  std::size_t room = 510 > 5 + r.dsn.size() ? 510 - 5 - r.dsn.size() : 0;
  if (r.text.size() > room) r.text.resize(room);
  for (char& c : r.text)
    if (!std::isprint(static_cast<unsigned char>(c))) c = ' ';
  if (soft_bounce && r.code >= 500) r.code -= 100;
  r.dsn[0] = static_cast<char>('0' + r.code / 100);
  return r;
}

std::string whatsup_line(const Session& session, std::string_view whatsup, std::string_view where,
                         std::string_view text, const std::string* recipient, bool esmtp) {
  std::string out = session.queue_id.empty() ? "NOQUEUE" : session.queue_id;
  out += ": ";
  out += whatsup;
  out += ": ";
  out += where;
  out += " from ";
  out += session.client.namaddr();
  out += ": ";
  out += text;
  out += ";";
  if (session.sender) out += " from=<" + *session.sender + ">";
  if (recipient) out += " to=<" + *recipient + ">";
  // XCLIENT PROTO= names the protocol outright.
  if (!session.xclient_protocol.empty())
    out += " proto=" + session.xclient_protocol;
  else
    out += esmtp ? " proto=ESMTP" : " proto=SMTP";
  if (session.helo_name) out += " helo=<" + *session.helo_name + ">";
  return out;
}

std::string expand_template(
    std::string_view tpl,
    const std::function<std::optional<std::string>(std::string_view)>& lookup) {
  std::string out;
  for (std::size_t i = 0; i < tpl.size(); ++i) {
    if (tpl[i] != '$' || i + 1 >= tpl.size()) {
      out += tpl[i];
      continue;
    }
    if (tpl[i + 1] == '{') {
      // find the matching brace
      int depth = 0;
      std::size_t j = i + 1;
      for (; j < tpl.size(); ++j) {
        if (tpl[j] == '{') ++depth;
        if (tpl[j] == '}' && --depth == 0) break;
      }
      std::string_view inner = tpl.substr(i + 2, j - i - 2);
      i = j;
      std::size_t op = inner.find_first_of("?:");
      std::string_view name = inner.substr(0, op);
      auto value = lookup(name);
      bool has = value && !value->empty();
      if (op == std::string_view::npos) {
        if (value) out += *value;
      } else if (inner[op] == '?') {
        if (has) out += expand_template(inner.substr(op + 1), lookup);
      } else {
        out += has ? *value : expand_template(inner.substr(op + 1), lookup);
      }
      continue;
    }
    std::size_t j = i + 1;
    while (j < tpl.size() && (std::isalnum(static_cast<unsigned char>(tpl[j])) || tpl[j] == '_'))
      ++j;
    auto value = lookup(tpl.substr(i + 1, j - i - 1));
    if (value) out += *value;
    i = j - 1;
  }
  return out;
}

}  // namespace smtpd
