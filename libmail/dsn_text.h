// A reason text that may start with an enhanced status code: "4.3.2 text"
// (Postfix's dsn_split). Users: the error and discard agents, whose next
// hop is such a text ("error:5.1.1 no such user", "retry:4.3.2 deferred
// transport", "discard:2.0.0 silently gone").
// Easy to get wrong: the code counts only when followed by white space or
// the end of the text; "5.1.1x" is text. An agent must then force the class
// its outcome requires (bounced 5, deferred 4, sent 2), warning as Postfix
// does ("bounce_append: ignoring dsn code \"4.3.2\"").
#pragma once

#include <string>
#include <string_view>

namespace mail {

struct DsnText {
  std::string dsn;   // "5.0.0"
  std::string text;  // the rest, without leading white space
};

// X.Y.Z with X in 2, 4, 5 and Y, Z of one to three digits.
bool valid_dsn(std::string_view code);

// Splits `text`; when it has no code, dsn = `default_dsn` and text is all
// of it.
DsnText split_dsn_text(std::string_view text, std::string_view default_dsn);

}  // namespace mail
