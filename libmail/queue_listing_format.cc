#include "libmail/queue_listing_format.h"

#include <cstdio>
#include <ctime>

namespace mail {
namespace {

bool is_special(unsigned char c) {
  if (c < 0x20 || c == 0x7f || c == ' ') return true;
  switch (c) {
    case '(': case ')': case '<': case '>': case '@': case ',': case ';': case ':':
    case '\\': case '"': case '[': case ']':
      return true;
    default:
      return false;
  }
}

// A local part that is not a dot-string must be quoted to be read back.
bool needs_quotes(std::string_view local) {
  if (local.empty() || local.front() == '.' || local.back() == '.') return true;
  if (local.find("..") != std::string_view::npos) return true;
  for (unsigned char c : local)
    if (is_special(c)) return true;
  return false;
}

// Control characters would garble a terminal: Postfix prints '?' instead.
std::string printable(std::string s) {
  for (char& c : s) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) c = '?';
  }
  return s;
}

std::string arrival_text(long seconds) {
  std::time_t t = static_cast<std::time_t>(seconds);
  struct tm tm {};
  ::localtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a %b %e %H:%M:%S", &tm);
  return buf;
}

std::string shown_sender(const ListedMessage& msg) { return display_address(msg.sender); }

}  // namespace

std::string display_address(std::string_view address) {
  if (address.empty()) return "MAILER-DAEMON";
  auto at = address.rfind('@');
  std::string_view local = address.substr(0, at);
  std::string_view rest = at == std::string_view::npos ? std::string_view() : address.substr(at);
  std::string out;
  if (needs_quotes(local)) {
    out += '"';
    for (char c : local) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  } else {
    out += local;
  }
  out += rest;
  return printable(std::move(out));
}

std::string json_quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    unsigned char u = static_cast<unsigned char>(c);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (u < 0x20 || u == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", u);
          out += buf;
        } else {
          out += c;
        }
    }
  }
  out += '"';
  return out;
}

std::string format_text_header(bool long_ids) {
  return long_ids ? "----Queue ID----- --Size-- ---Arrival Time---- --Sender/Recipient------\n"
                  : "-Queue ID-  --Size-- ----Arrival Time---- -Sender/Recipient-------\n";
}

std::string format_text_entry(const ListedMessage& msg, bool long_ids) {
  std::string id = msg.queue_id;
  if (msg.queue_name == "active") id += '*';
  if (msg.queue_name == "hold") id += '!';
  if (msg.forced_expire) id += '#';
  std::string time = arrival_text(msg.arrival_time);
  std::string sender = shown_sender(msg);
  std::string out;
  // The line can be long (sender), so measure first.
  const char* fmt = long_ids ? "%-17s%9ld %s %s\n" : "%-11s%8ld %s  %s\n";
  int n = std::snprintf(nullptr, 0, fmt, id.c_str(), msg.size, time.c_str(), sender.c_str());
  out.resize(static_cast<std::size_t>(n) + 1);
  std::snprintf(out.data(), out.size(), fmt, id.c_str(), msg.size, time.c_str(), sender.c_str());
  out.pop_back();
  const std::string indent(long_ids ? 47 : 41, ' ');
  for (const auto& r : msg.recipients) {
    std::optional<std::string> reason = r.reason;
    if (!reason && msg.has_defer_log) reason = "reason unavailable";
    if (reason) {
      std::string paren = "(" + printable(*reason) + ")";
      if (paren.size() < 78) out.append(78 - paren.size(), ' ');
      out += paren;
      out += '\n';
    }
    out += indent + display_address(r.address) + "\n";
  }
  out += '\n';
  return out;
}

std::string format_text_trailer(long total_size, long count) {
  return "-- " + std::to_string(total_size / 1024) + " Kbytes in " + std::to_string(count) +
         (count == 1 ? " Request.\n" : " Requests.\n");
}

std::string format_json_entry(const ListedMessage& msg) {
  std::string out = "{\"queue_name\": " + json_quote(msg.queue_name) +
                    ", \"queue_id\": " + json_quote(msg.queue_id) +
                    ", \"arrival_time\": " + std::to_string(msg.arrival_time) +
                    ", \"message_size\": " + std::to_string(msg.size) +
                    ", \"forced_expire\": " + (msg.forced_expire ? "true" : "false") +
                    ", \"sender\": " + json_quote(shown_sender(msg)) + ", \"recipients\": [";
  bool first = true;
  for (const auto& r : msg.recipients) {
    if (!first) out += ", ";
    first = false;
    out += "{\"address\": " + json_quote(display_address(r.address));
    if (r.reason) out += ", \"delay_reason\": " + json_quote(printable(*r.reason));
    out += "}";
  }
  out += "]}\n";
  return out;
}

std::string QueueReport::add(const ListedMessage& msg) {
  ++count_;
  total_size_ += msg.size;
  if (format_ == Format::kJson) return format_json_entry(msg);
  std::string out = count_ == 1 ? format_text_header(long_ids_) : std::string();
  return out + format_text_entry(msg, long_ids_);
}

std::string QueueReport::finish() const {
  if (format_ == Format::kJson) return {};
  if (count_ == 0) return std::string(kMailQueueIsEmpty);
  return format_text_trailer(total_size_, count_);
}

}  // namespace mail
