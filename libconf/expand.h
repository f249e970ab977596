// $name expansion in parameter values, as Postfix 3.7 does it: $name,
// ${name}, $(name), ${name?value}, ${name:value}, ${name?{a}:{b}}, the
// relational ${{a} OP {b}?{x}:{y}} with OP one of == != < <= > >= (numeric
// when both operands are all digits, else byte order) or their compatibility
// level forms (<level, ==level, ...) used by built-in defaults, and $$ for $.
// Users: conf::Config (every get), postconf -x.
// Easy to get wrong: the text a lookup returns is expanded again (that is
// how `myorigin = $myhostname` works), so a = $b / b = $a must hit the
// nesting limit rather than loop; an unbraced first branch takes the rest of
// the text ("${x?a:b}" yields "a:b"); undefined names expand to nothing.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "libutil/error.h"

namespace conf {

// Deeper nesting than this (each looked-up value or chosen branch is one
// level) fails with "unreasonable macro call nesting".
inline constexpr int kMaxMacroNesting = 100;

// What Postfix prints as `fatal:` after the detailed warning of an expansion
// error (the Error message holds the detail).
inline constexpr std::string_view kMacroProcessingError = "macro processing error";

struct ExpandContext {
  // The raw (unexpanded) value of a parameter, nullopt when undefined.
  std::function<std::optional<std::string>(std::string_view name)> lookup;
  // Called for each reference to an undefined name (postconf warns
  // "PATH: undefined parameter: NAME"); may be empty.
  std::function<void(std::string_view name)> on_undefined;
};

// Errors (message in Postfix's words, without the "warning: " prefix):
//   truncated macro reference: "TEXT"
//   empty macro name: "TEXT"
//   attribute name syntax error at: "...NAME>>>REST"
//   ":" expected at: "...}>>>REST",  "?" or ":" expected at: ...,
//   unexpected input at: ..., "{expression}" expected at: ...,
//   "==" or "!="" or "<"" or "<="" or ">="" or ">" expected at: ...
//   malformed compatibility level syntax: "X"
//   unreasonable macro call nesting: "X"
util::Result<std::string> expand_macros(std::string_view text, const ExpandContext& context);

}  // namespace conf
