#include "smtpd/xclient_attrs.h"

#include <arpa/inet.h>

#include <cctype>
#include <utility>
#include <vector>

#include "smtpd/smtpd_command.h"

namespace smtpd {

namespace {

std::string upper(std::string_view s) {
  std::string out;
  for (char c : s) out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

struct Pair {
  std::string name;   // upper-cased
  std::string value;  // xtext-decoded
  std::string raw;    // as sent, for error texts
};

// "A=1 B=2" -> pairs; error text on a word without '=' or bad xtext.
std::expected<std::vector<Pair>, std::string> split_pairs(std::string_view args,
                                                          std::string_view command) {
  std::vector<Pair> out;
  size_t pos = 0;
  while (pos < args.size()) {
    while (pos < args.size() && args[pos] == ' ') ++pos;
    if (pos >= args.size()) break;
    size_t end = args.find(' ', pos);
    if (end == std::string_view::npos) end = args.size();
    std::string_view word = args.substr(pos, end - pos);
    pos = end;
    size_t eq = word.find('=');
    if (eq == std::string_view::npos || eq == 0)
      return std::unexpected("Error: attribute=value expected");
    auto value = xtext_decode(word.substr(eq + 1));
    if (!value)
      return std::unexpected("Bad " + upper(word.substr(0, eq)) +
                             " syntax: " + std::string(word.substr(eq + 1)));
    out.push_back({upper(word.substr(0, eq)), *value, std::string(word.substr(eq + 1))});
  }
  if (out.empty())
    return std::unexpected("Syntax: " + std::string(command) + " attribute=value...");
  return out;
}

bool is_unavailable(const std::string& v) { return upper(v) == "[UNAVAILABLE]"; }

// ADDR: an IPv4 address or "IPV6:" + an IPv6 address; the parsed form
// has no prefix.
std::optional<std::string> parse_addr(const std::string& v) {
  unsigned char buf[16];
  if (upper(v).starts_with("IPV6:")) {
    std::string a = v.substr(5);
    if (::inet_pton(AF_INET6, a.c_str(), buf) == 1) return a;
    return std::nullopt;
  }
  if (::inet_pton(AF_INET, v.c_str(), buf) == 1) return v;
  return std::nullopt;
}

bool valid_port(const std::string& v) {
  if (v.empty() || v.size() > 5 || v.find_first_not_of("0123456789") != std::string::npos)
    return false;
  return std::stoi(v) <= 65535;
}

// A host name as the client may claim it: printable, no blanks.
bool valid_name(const std::string& v) {
  if (v.empty() || v.size() > 255) return false;
  for (unsigned char c : v)
    if (c <= ' ' || c == 0x7f) return false;
  return true;
}

}  // namespace

std::expected<XclientAttrs, std::string> parse_xclient(std::string_view args) {
  auto pairs = split_pairs(args, "XCLIENT");
  if (!pairs) return std::unexpected(pairs.error());
  XclientAttrs a;
  for (const auto& p : *pairs) {
    const std::string& v = p.value;
    bool unavailable = is_unavailable(v);
    auto bad = [&] { return std::unexpected("Bad " + p.name + " syntax: " + p.raw); };
    if (p.name == "NAME" || p.name == "REVERSE_NAME") {
      XValue value = (unavailable || upper(v) == "[TEMPUNAVAIL]") ? "" : v;
      if (!value->empty() && !valid_name(*value)) return bad();
      (p.name == "NAME" ? a.name : a.reverse_name) = value;
    } else if (p.name == "ADDR" || p.name == "DESTADDR") {
      XValue value = "";
      if (!unavailable) {
        value = parse_addr(v);
        if (!value) return bad();
      }
      (p.name == "ADDR" ? a.addr : a.destaddr) = value;
    } else if (p.name == "PORT" || p.name == "DESTPORT") {
      if (!unavailable && !valid_port(v)) return bad();
      (p.name == "PORT" ? a.port : a.destport) = unavailable ? "" : v;
    } else if (p.name == "PROTO") {
      std::string u = upper(v);
      if (!unavailable && u != "SMTP" && u != "ESMTP") return bad();
      a.proto = unavailable ? "" : u;
    } else if (p.name == "HELO") {
      if (!unavailable && !valid_name(v)) return bad();
      a.helo = unavailable ? "" : v;
    } else if (p.name == "LOGIN") {
      if (!unavailable && !valid_name(v)) return bad();
      a.login = unavailable ? "" : v;
    } else {
      return std::unexpected("Bad XCLIENT attribute name: " + p.name);
    }
  }
  return a;
}

std::expected<XforwardAttrs, std::string> parse_xforward(std::string_view args) {
  auto pairs = split_pairs(args, "XFORWARD");
  if (!pairs) return std::unexpected(pairs.error());
  XforwardAttrs a;
  for (const auto& p : *pairs) {
    const std::string& v = p.value;
    bool unavailable = is_unavailable(v);
    auto bad = [&] { return std::unexpected("Bad " + p.name + " syntax: " + p.raw); };
    if (p.name == "NAME") {
      if (!unavailable && !valid_name(v)) return bad();
      a.name = unavailable ? "" : v;
    } else if (p.name == "ADDR") {
      XValue value = "";
      if (!unavailable) {
        value = parse_addr(v);
        if (!value) return bad();
      }
      a.addr = value;
    } else if (p.name == "PORT") {
      if (!unavailable && !valid_port(v)) return bad();
      a.port = unavailable ? "" : v;
    } else if (p.name == "PROTO" || p.name == "HELO" || p.name == "IDENT") {
      if (!unavailable && !valid_name(v)) return bad();
      (p.name == "PROTO" ? a.proto : p.name == "HELO" ? a.helo : a.ident) = unavailable ? "" : v;
    } else if (p.name == "SOURCE") {
      std::string u = upper(v);
      if (!unavailable && u != "LOCAL" && u != "REMOTE") return bad();
      a.source = unavailable ? "" : u;
    } else {
      return std::unexpected("Bad XFORWARD attribute name: " + p.name);
    }
  }
  return a;
}

}  // namespace smtpd
