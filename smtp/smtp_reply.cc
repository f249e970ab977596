#include "smtp/smtp_reply.h"

#include <cctype>
#include <charconv>

#include "libmail/dsn_text.h"
#include "libmail/queue_file.h"
#include "libutil/strings.h"

namespace smtp {
namespace {

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

bool three_digits(std::string_view line) {
  return line.size() >= 3 && std::isdigit(static_cast<unsigned char>(line[0])) &&
         std::isdigit(static_cast<unsigned char>(line[1])) &&
         std::isdigit(static_cast<unsigned char>(line[2]));
}

}  // namespace

bool reply_line_continues(std::string_view line) {
  return three_digits(line) && line.size() > 3 && line[3] == '-';
}

Reply make_reply(std::vector<std::string> lines) {
  Reply r;
  for (auto& l : lines) {
    if (!l.empty() && l.back() == '\r') l.pop_back();
    if (!r.text.empty()) r.text += ' ';
    r.text += l;
  }
  r.lines = std::move(lines);
  if (r.lines.empty() || !three_digits(r.lines.front())) {
    r.code = 0;
    r.dsn = "4.0.0";
    return r;
  }
  const std::string& first = r.lines.front();
  r.code = (first[0] - '0') * 100 + (first[1] - '0') * 10 + (first[2] - '0');
  // The text after "NNN " or "NNN-" may start with an enhanced code.
  std::string_view rest = first.size() > 4 ? std::string_view(first).substr(4) : std::string_view();
  std::string_view word = rest.substr(0, rest.find(' '));
  char klass = first[0];
  if (mail::valid_dsn(word) && word.front() == klass)
    r.dsn = std::string(word);
  else
    r.dsn = std::string(1, klass == '2' || klass == '4' || klass == '5' ? klass : '4') + ".0.0";
  return r;
}

Features parse_ehlo(const Reply& reply) {
  Features f;
  f.esmtp = true;
  for (size_t i = 1; i < reply.lines.size(); ++i) {
    std::string_view line = reply.lines[i];
    if (line.size() < 4) continue;
    line.remove_prefix(4);
    std::vector<std::string> words;
    size_t at = 0;
    while (at < line.size()) {
      size_t sp = line.find_first_of(" =", at);
      if (sp == std::string_view::npos) sp = line.size();
      if (sp > at) words.emplace_back(line.substr(at, sp - at));
      at = sp + 1;
    }
    if (words.empty()) continue;
    std::string key = util::lowercase(words[0]);
    if (key == "pipelining") {
      f.pipelining = true;
    } else if (key == "size") {
      f.size = true;
      if (words.size() > 1) {
        long long n = 0;
        auto [p, ec] = std::from_chars(words[1].data(), words[1].data() + words[1].size(), n);
        if (ec == std::errc() && n > 0) f.size_limit = n;
      }
    } else if (key == "8bitmime") {
      f.eightbitmime = true;
    } else if (key == "dsn") {
      f.dsn = true;
    } else if (key == "starttls") {
      f.starttls = true;
    } else if (key == "smtputf8") {
      f.smtputf8 = true;
    } else if (key == "xforward") {
      for (size_t w = 1; w < words.size(); ++w) {
        std::string a = upper(words[w]);
        f.xforward |= a == "NAME"     ? kXforwardName
                      : a == "ADDR"   ? kXforwardAddr
                      : a == "PORT"   ? kXforwardPort
                      : a == "PROTO"  ? kXforwardProto
                      : a == "HELO"   ? kXforwardHelo
                      : a == "IDENT"  ? kXforwardIdent
                      : a == "SOURCE" ? kXforwardSource
                                      : 0;
      }
    } else if (key == "auth") {
      f.auth = true;
      for (size_t w = 1; w < words.size(); ++w) {
        std::string mech = upper(words[w]);
        if ((" " + f.auth_mechanisms + " ").find(" " + mech + " ") != std::string::npos) continue;
        if (!f.auth_mechanisms.empty()) f.auth_mechanisms += ' ';
        f.auth_mechanisms += mech;
      }
    }
  }
  return f;
}

std::string xtext(std::string_view text) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (c < 33 || c > 126 || c == '+' || c == '=') {
      out += '+';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

std::string notify_parameter(int flags) {
  if (flags == 0) return "";
  if (flags & mail::kDsnNotifyNever) return "NOTIFY=NEVER";
  std::string out;
  auto add = [&](int bit, const char* word) {
    if (!(flags & bit)) return;
    out += out.empty() ? "NOTIFY=" : ",";
    out += word;
  };
  add(mail::kDsnNotifySuccess, "SUCCESS");
  add(mail::kDsnNotifyFailure, "FAILURE");
  add(mail::kDsnNotifyDelay, "DELAY");
  return out;
}

void append_data_line(std::string& out, std::string_view line, size_t limit) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  bool first = true;
  do {
    std::string_view piece = line;
    // Continuation pieces carry the inserted space within the limit.
    size_t room = limit == 0 ? line.size() : first || limit < 2 ? limit : limit - 1;
    if (piece.size() > room) piece = piece.substr(0, room);
    line.remove_prefix(piece.size());
    // Each piece starts a wire line; a continued piece begins with a space
    // so a header stays one (folded) header.
    if (!first) out += ' ';
    if (first && !piece.empty() && piece.front() == '.') out += '.';
    out += piece;
    out += "\r\n";
    first = false;
  } while (!line.empty());
}

}  // namespace smtp
