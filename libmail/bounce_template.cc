// Built-in notice templates and their expansion; see bounce_template.h.
#include "libmail/bounce_template.h"

#include <array>
#include <cctype>
#include <cerrno>
#include <fstream>
#include <sstream>
#include <optional>

#include "libconf/config.h"
#include "libutil/log.h"
#include "libutil/strings.h"

namespace mail {

namespace {

const std::string kGreeting = "This is the mail system at host $myhostname.\n\n";
const std::string kAssistance =
    "For further assistance, please send mail to postmaster.\n"
    "\n"
    "If you do so, please include this problem report. You can\n"
    "delete your own text from the attached returned message.\n"
    "\n";
const std::string kSignature = "                   The mail system\n";
const std::string kFrom = "Mail Delivery System <MAILER-DAEMON>";

const std::array<BounceTemplate, 4>& builtins() {
  static const std::array<BounceTemplate, 4> t = {{
      {"failure_template", "us-ascii", kFrom, "Undelivered Mail Returned to Sender",
       "Postmaster Copy: Undelivered Mail",
       kGreeting +
           "I'm sorry to have to inform you that your message could not\n"
           "be delivered to one or more recipients. It's attached below.\n"
           "\n" +
           kAssistance + kSignature},
      {"delay_template", "us-ascii", kFrom, "Delayed Mail (still being retried)",
       "Postmaster Warning: Delayed Mail",
       kGreeting +
           "####################################################################\n"
           "# THIS IS A WARNING ONLY.  YOU DO NOT NEED TO RESEND YOUR MESSAGE. #\n"
           "####################################################################\n"
           "\n"
           "Your message could not be delivered for more than $delay_warning_time_hours hour(s).\n"
           "It will be retried until it is $maximal_queue_lifetime_days day(s) old.\n"
           "\n" +
           kAssistance + kSignature},
      {"success_template", "us-ascii", kFrom, "Successful Mail Delivery Report", "",
       kGreeting +
           "Your message was successfully delivered to the destination(s)\n"
           "listed below. If the message was delivered to mailbox you will\n"
           "receive no further notifications. Otherwise you may still receive\n"
           "notifications of mail delivery errors from other systems.\n"
           "\n" +
           kSignature},
      {"verify_template", "us-ascii", kFrom, "Mail Delivery Status Report", "",
       kGreeting +
           "Enclosed is the mail delivery report that you requested.\n"
           "\n" +
           kSignature},
  }};
  return t;
}

// The time parameters a template may show, and the units it may show them in.
struct TimeUnit {
  const char* suffix;
  long seconds;
  long max_result;  // above this the unit is too small (0: no bound; observed on Postfix 3.7)
};
constexpr std::array<TimeUnit, 5> kUnits = {{
    {"seconds", 1, 999},
    {"minutes", 60, 999},
    {"hours", 3600, 999},
    {"days", 86400, 0},
    {"weeks", 604800, 0},
}};
constexpr std::array<const char*, 2> kTimeParameters = {"delay_warning_time",
                                                        "maximal_queue_lifetime"};

std::string template_kind(const BounceTemplate& t) {
  auto pos = t.name.find('_');
  return t.name.substr(0, pos);
}

// $name for a time parameter with a unit suffix; nullopt if `name` is not one.
std::optional<std::string> time_value(std::string_view name, const BounceTemplate& t,
                                      const conf::Config& config, std::string_view origin,
                                      bool& warned) {
  for (const char* param : kTimeParameters) {
    std::string_view p(param);
    if (!name.starts_with(p) || name.size() <= p.size() + 1 || name[p.size()] != '_') continue;
    std::string_view suffix = name.substr(p.size() + 1);
    for (const auto& unit : kUnits) {
      if (suffix != unit.suffix) continue;
      long secs = config.try_get_time(p).value_or(0);
      long result = secs / unit.seconds;
      std::string where = " in " + template_kind(t) + " template";
      if (secs > 0 && result == 0) {
        util::msg_warn(std::string(origin) + ": zero result in " + template_kind(t) +
                       " template conversion of parameter \"" + std::string(name) + "\"");
        util::msg_warn("please reduce time unit \"" + std::string(suffix) + "\" of \"" +
                       std::string(name) + "\"" + where);
        warned = true;
      } else if (unit.max_result > 0 && result > unit.max_result) {  // four digits or more
        util::msg_warn(std::string(origin) + ": excessive result \"" + std::to_string(result) +
                       "\" in " + template_kind(t) + " template conversion of parameter \"" +
                       std::string(name) + "\"");
        util::msg_warn("please increase time unit \"" + std::string(suffix) + "\" of \"" +
                       std::string(name) + "\"" + where);
        warned = true;
      }
      return std::to_string(result);
    }
  }
  return std::nullopt;
}

// A template body from a file: header labels, an empty line, the text.
bool apply_body(BounceTemplate& t, std::string_view body, const std::string& path) {
  BounceTemplate out = t;
  std::size_t pos = 0;
  while (pos < body.size()) {
    auto nl = body.find('\n', pos);
    std::string_view line = body.substr(pos, nl == std::string_view::npos ? nl : nl - pos);
    pos = nl == std::string_view::npos ? body.size() : nl + 1;
    if (line.empty()) break;
    auto colon = line.find(':');
    std::string label(line.substr(0, colon));
    std::string value(colon == std::string_view::npos ? "" : line.substr(colon + 1));
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.erase(0, 1);
    if (colon != std::string_view::npos && util::iequals(label, "Charset")) {
      out.charset = value;
    } else if (colon != std::string_view::npos && util::iequals(label, "From")) {
      out.from = value;
    } else if (colon != std::string_view::npos && util::iequals(label, "Subject")) {
      out.subject = value;
    } else if (colon != std::string_view::npos && util::iequals(label, "Postmaster-Subject")) {
      out.postmaster_subject = value;
    } else {
      util::msg_warn(path + ": unknown \"" + label + "\" header label in " + template_kind(t) +
                     " template -- ignoring this template");
      return false;
    }
  }
  out.text = std::string(body.substr(pos));
  t = std::move(out);
  return true;
}

}  // namespace

std::vector<BounceTemplate> parse_bounce_templates(std::string_view text, const std::string& path) {
  std::vector<BounceTemplate> out(builtins().begin(), builtins().end());
  std::vector<std::string_view> lines;
  for (std::size_t pos = 0; pos < text.size();) {
    auto nl = text.find('\n', pos);
    lines.push_back(text.substr(pos, nl == std::string_view::npos ? nl : nl - pos));
    pos = nl == std::string_view::npos ? text.size() : nl + 1;
  }
  // The whole file is read first; names are checked, then bodies, one
  // template kind after another (the order of Postfix's warnings).
  std::vector<std::pair<std::string, std::string>> found;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    std::string_view line = util::trim(lines[i]);
    if (line.empty() || line.front() == '#') continue;
    auto eq = line.find('=');
    auto here = line.find("<<");
    if (eq == std::string_view::npos || here == std::string_view::npos || here < eq) {
      util::msg_warn(path + ", line " + std::to_string(i + 1) + ": expected \"name = <<EOF\"");
      continue;
    }
    std::string name(util::trim(line.substr(0, eq)));
    std::string marker(util::trim(line.substr(here + 2)));
    std::string body;
    std::size_t j = i + 1;
    for (; j < lines.size() && lines[j] != marker; ++j) body += std::string(lines[j]) + "\n";
    if (j >= lines.size()) {
      util::msg_warn(path + ", line " + std::to_string(j) + ": missing \"" + marker +
                     "\" end marker");
    }
    i = j;
    found.emplace_back(std::move(name), std::move(body));
  }
  for (const auto& [name, body] : found) {
    bool known = false;
    for (const auto& t : out) known = known || t.name == name;
    if (!known) {
      util::msg_warn(path + ", line " + std::to_string(lines.size() + 1) +
                     ": unknown template name: " + name + " -- ignoring this template");
    }
  }
  for (auto& t : out) {
    for (const auto& [name, body] : found) {
      if (name == t.name) apply_body(t, body, path);
    }
  }
  return out;
}

util::Result<std::vector<BounceTemplate>> read_bounce_templates(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return util::fail_errno("open " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return parse_bounce_templates(text.str(), path);
}

const BounceTemplate& builtin_bounce_template(NoticeKind kind) {
  return builtins()[static_cast<std::size_t>(kind)];
}

std::string template_source(const BounceTemplate& t) {
  std::string out = "Charset: " + t.charset + "\nFrom: " + t.from + "\nSubject: " + t.subject + "\n";
  if (!t.postmaster_subject.empty()) out += "Postmaster-Subject: " + t.postmaster_subject + "\n";
  return out + "\n" + t.text;
}

std::vector<std::string> expand_template_text(const BounceTemplate& t, const conf::Config& config,
                                              std::string_view origin) {
  std::string out;
  bool warned = false;
  const std::string& s = t.text;
  for (std::size_t i = 0; i < s.size();) {
    if (s[i] != '$' || i + 1 >= s.size()) {
      out += s[i++];
      continue;
    }
    std::string name;
    std::size_t next;
    if (s[i + 1] == '{' || s[i + 1] == '(') {
      char close = s[i + 1] == '{' ? '}' : ')';
      auto end = s.find(close, i + 2);
      if (end == std::string::npos) {
        out += s[i++];
        continue;
      }
      name = s.substr(i + 2, end - i - 2);
      next = end + 1;
    } else {
      std::size_t j = i + 1;
      while (j < s.size() && (std::isalnum(static_cast<unsigned char>(s[j])) || s[j] == '_')) ++j;
      if (j == i + 1) {
        out += s[i++];
        continue;
      }
      name = s.substr(i + 1, j - i - 1);
      next = j;
    }
    if (auto v = time_value(name, t, config, origin, warned)) {
      out += *v;
    } else if (auto v = config.try_get(name)) {
      out += *v;
    } else {
      auto bol = s.rfind('\n', i);
      bol = bol == std::string::npos ? 0 : bol + 1;
      util::msg_fatal(std::string(origin) + ": undefined $name in " + template_kind(t) +
                      " template: " + s.substr(bol, s.find('\n', i) - bol));
    }
    i = next;
  }
  if (warned) util::msg_warn("for instructions see the bounce(5) manual");
  std::vector<std::string> lines;
  std::size_t pos = 0;
  while (pos < out.size()) {
    auto nl = out.find('\n', pos);
    if (nl == std::string::npos) nl = out.size();
    lines.push_back(out.substr(pos, nl - pos));
    pos = nl + 1;
  }
  return lines;
}

}  // namespace mail
