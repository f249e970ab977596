// mail::base64 for postmap -F, which stores file contents (TLS SNI chains)
// base64-encoded and decodes values again for -q and -s.
// Users: table_build.cc, table_query.cc.
// Easy to get wrong: decoding must reject bad input instead of printing
// garbage; whitespace inside the encoded text is not allowed.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace mail {

std::string base64_encode(std::string_view data);
// nullopt when `text` is not valid (padded) base64.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace mail
