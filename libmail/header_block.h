// The primary header block of a message as cleanup sees it: logical headers
// (a first line plus its folded continuation lines) followed by the body.
// Users: cleanup (missing headers, Bcc removal, header address rewriting,
// header_checks), and anything else that needs to walk headers of a queue
// file's content.
// Easy to get wrong: a header ends at the first line that is neither a
// continuation (leading space/tab) nor "name:"; that line (the empty line
// or the first body line) belongs to the body. A folded header keeps its
// physical lines: a queue file stores one N record per line.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mail {

struct Header {
  std::string name;                // as written ("Subject", "X-Foo")
  std::vector<std::string> lines;  // first line "Name: value", then continuations
  // The whole header with lines joined by "\n" (what header_checks match).
  std::string text() const;
  // The value after "Name:" with the leading space of the first line
  // removed, continuation lines joined with "\n".
  std::string value() const;
  bool is(std::string_view name_icase) const;
};

struct HeaderBlock {
  std::vector<Header> headers;
  std::vector<std::string> body;  // starts with the empty separator line, if any
};

// "Name" when `line` starts a header ("Name:" or "Name :"), else nullopt.
std::optional<std::string> header_name(std::string_view line);

// Split content lines into headers and body. A header longer than
// `header_size_limit` bytes loses its excess continuation lines (as Postfix
// truncates it); 0 means no limit.
HeaderBlock split_header_block(const std::vector<std::string>& lines,
                               std::size_t header_size_limit = 0);

// Build a header from its text (may contain "\n" for folded lines).
Header make_header(std::string_view text);

}  // namespace mail
