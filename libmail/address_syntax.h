// Small string operations on RFC 5321/822 addresses that trivial-rewrite
// style code needs: where the domain starts, source routes, bang paths, the
// percent hack, and whether a domain is one Postfix would resolve.
// Users: libmail/resolve.cc (rewrite_address, resolve_address).
// Easy to get wrong: '@', '!' and '%' inside a quoted local part
// ("a@b"@example.org) are not operators; the domain starts after the LAST
// unquoted '@'. resolve_address works on the internal (unquoted) form,
// rewrite_address on the external (quoted) form: the quote rule only matters
// for the latter, but the helpers honour quotes in both.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace mail {

// Position of the last unquoted '@', or npos.
std::size_t find_domain_at(std::string_view address);
// Position of the first / last unquoted `c`, or npos.
std::size_t find_unquoted(std::string_view address, char c);
std::size_t rfind_unquoted(std::string_view address, char c);

// "@a,@b:user@c" -> "user@c"; nullopt when there is no source route.
std::optional<std::string> strip_source_route(std::string_view address);

// "host!user" -> "user@host" ("a!b!c" -> "b!c@a"); nullopt without '!'.
std::optional<std::string> swap_bang_path(std::string_view address);

// "user%host" -> "user@host" (the rightmost '%'); nullopt without '%'.
std::optional<std::string> percent_to_at(std::string_view address);

// A domain Postfix's resolver accepts: a host name (letters, digits, '-',
// '_', no empty label, no label starting or ending with '-', not all
// numeric unless `numeric_ok`) or an address literal ([1.2.3.4],
// [IPv6:2001:db8::1]).
bool valid_mail_domain(std::string_view domain, bool numeric_ok);

// A local part in external form with quotes only where needed:
// "\"a\"" -> "a", "<u>" -> "\"<u>\"", "\"a b\"" unchanged. A local part
// with an unquoted '@' (a route) or an empty one is returned as is.
std::string requote_local_part(std::string_view localpart);

// For "[1.2.3.4]" / "[IPv6:::1]" the address text inside; nullopt otherwise.
std::optional<std::string> address_literal(std::string_view domain);

}  // namespace mail
