// smtpd command-line parsing: the verb and its arguments, the address of
// MAIL FROM:/RCPT TO: with its ESMTP parameters, xtext, and the address
// syntax check. Pure functions; the protocol engine (smtpd_session.cc)
// turns their errors into replies. Unit tests: tests/unit/smtpd/.
// Easy to get wrong: "MAIL FROM: <a@b>" (space after the colon) and
// "MAIL FROM:a@b" (no brackets) are both accepted as Postfix does with
// strict_rfc821_envelopes = no; a bracketed address may contain quoted
// spaces ("<\"a b\"@x>") but an unquoted space is bad syntax.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace smtpd {

struct CommandLine {
  std::string verb;  // upper-cased first word
  std::string args;  // the rest, leading blanks removed
};
CommandLine split_command(std::string_view line);

// "FROM:<a@b> SIZE=10" after the verb MAIL, with `keyword` "FROM".
struct PathArgs {
  std::string path;                                         // as sent, with <> if any
  std::vector<std::pair<std::string, std::string>> params;  // NAME (upper), value
  std::vector<std::string> raw_params;                      // "NAME=value" as sent
};
// nullopt: no "KEYWORD:" or no address at all (the 501 Syntax reply).
std::optional<PathArgs> parse_path_args(std::string_view args, std::string_view keyword);

// The address inside a path: <> removed. nullopt when the syntax is bad
// (unquoted blanks or brackets, control characters, unbalanced quotes or
// brackets; and no brackets when strict_rfc821 is set).
std::optional<std::string> extract_address(std::string_view path, bool strict_rfc821);

// RFC 3461 xtext: "+2B" -> "+". nullopt for bad syntax.
std::optional<std::string> xtext_decode(std::string_view text);
// NOTIFY=SUCCESS,DELAY -> 2|8; NEVER -> 1; nullopt when malformed.
std::optional<int> parse_notify(std::string_view value);
// Valid UTF-8 (no overlongs, no surrogates).
bool valid_utf8(std::string_view text);
// A line that looks like a message header ("Subject: x"): the
// "I can break rules, too" check for commands.
bool looks_like_header(std::string_view line);
// For log lines: "\r" -> "\\r", "\n" -> "\\n", other controls as \ooo,
// at most `max` input bytes.
std::string printable_escape(std::string_view text, size_t max);

}  // namespace smtpd
