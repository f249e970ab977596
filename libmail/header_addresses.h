// Rewriting the addresses inside an address header (From:, To:, Cc:,
// Sender:, Reply-To:, Resent-*) without disturbing the rest of its text.
// Users: cleanup (local header rewriting: "Cc: postmaster" becomes
// "Cc: postmaster@$myorigin"; canonical maps and masquerading of header
// addresses).
// Easy to get wrong: phrases, comments, quoted strings and group names are
// not addresses; in "Name <addr>" only addr changes, in "addr (comment)"
// only addr; a group "undisclosed-recipients:;" has no address at all, and
// "<>" stays empty. Folding (newlines) inside the value is kept.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace mail {

// Which headers carry sender or recipient addresses (canonical_classes /
// masquerade_classes distinguish header_sender from header_recipient).
enum class AddressHeaderKind { kNone, kSender, kRecipient };
AddressHeaderKind address_header_kind(std::string_view header_name);

// Apply `rewrite` to every address in `value`; the text between addresses is
// copied as is.
std::string rewrite_header_addresses(std::string_view value,
                                     const std::function<std::string(std::string_view)>& rewrite);

// A rewritten address header as Postfix writes it back: "Name: " and the
// comma-separated elements (white space runs collapsed to one space), an
// element joining the current line while that line stays under 70
// characters, else starting a new line with a TAB (observed on 3.7.11:
// "To: a, b,\n\t\"Doe, J\" <jd@x>"). Returns the physical lines.
std::vector<std::string> fold_address_header(std::string_view name, std::string_view value);

}  // namespace mail
