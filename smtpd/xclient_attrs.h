// smtpd::parse_xclient / parse_xforward: the attribute lists of XCLIENT and
// XFORWARD ("NAME=x ADDR=1.2.3.4 ..."), checked and decoded, for the
// protocol engine (smtpd_xclient.cc). Pure functions; unit tests in
// tests/unit/smtpd/xclient_attrs_test.cc.
// Easy to get wrong: values are xtext; "[UNAVAILABLE]" (and for XCLIENT
// NAME/REVERSE_NAME "[TEMPUNAVAIL]") means "not known", stored as unset; an
// IPv6 ADDR carries the "IPV6:" prefix on the wire but not once parsed; the
// error texts are Postfix's replies without the "501 5.5.4 " code.
#pragma once

#include <expected>
#include <optional>
#include <string>
#include <string_view>

namespace smtpd {

// One attribute: unset when not given, "" when given as "[UNAVAILABLE]".
using XValue = std::optional<std::string>;

struct XclientAttrs {
  XValue name, reverse_name, addr, port, proto, helo, login, destaddr, destport;
};
struct XforwardAttrs {
  XValue name, addr, port, proto, helo, ident, source;
};

// Error: the reply text after "501 5.5.4 ", e.g. "Bad ADDR syntax: x".
std::expected<XclientAttrs, std::string> parse_xclient(std::string_view args);
std::expected<XforwardAttrs, std::string> parse_xforward(std::string_view args);

// The EHLO keyword lines.
inline constexpr std::string_view kXclientEhlo =
    "XCLIENT NAME ADDR PROTO HELO REVERSE_NAME PORT LOGIN DESTADDR DESTPORT";
inline constexpr std::string_view kXforwardEhlo = "XFORWARD NAME ADDR PROTO HELO SOURCE PORT IDENT";

}  // namespace smtpd
