// UTF-8 validation, Unicode case folding and safe display of table keys.
// Users: the dict layer in UTF-8 mode (dict_utf8.cc, MemoryDict), postmap and
// postalias (building tables, checking source lines), with smtputf8_enable =
// yes and no -u, as Postfix 3.7 does.
// Easy to get wrong:
//  - the fold is ICU's full default case folding, not lower-casing: "Straße"
//    becomes "strasse", "ΣΊΣΥΦΟΣ" "σίσυφοσ" (no final sigma), "İ" "i̇"
//    (i + U+0307) and "ﬁ" "fi". Tables built by Postfix hold exactly these
//    bytes, so any other mapping breaks .db interop.
//  - "valid" means strict RFC 3629: no overlong forms, no surrogates, nothing
//    above U+10FFFF. Postfix rejects those keys with a warning.
#pragma once

#include <string>
#include <string_view>

namespace util {

// True when `s` is well-formed UTF-8 (pure ASCII always is).
bool valid_utf8(std::string_view s);

// Full Unicode case folding of a valid UTF-8 string; ASCII-only input takes a
// fast path without ICU. Bytes of an invalid string are folded ASCII only.
std::string utf8_fold(std::string_view s);

// The fold a table applies to its keys: Unicode in UTF-8 mode, else ASCII.
std::string fold_key(std::string_view s, bool utf8);

// `s` for a log line: printable ASCII and (when `utf8`) well-formed
// multi-byte sequences are kept, every other byte becomes '?', as Postfix
// shows keys and source lines in its warnings.
std::string printable(std::string_view s, bool utf8 = true);

}  // namespace util
