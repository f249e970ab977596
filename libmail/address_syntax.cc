#include "libmail/address_syntax.h"

#include <arpa/inet.h>

#include <cctype>

#include "libutil/strings.h"

namespace mail {
namespace {

// Walks `address` and calls fn(pos) for every character outside quotes and
// not escaped with a backslash.
template <class Fn>
void for_each_unquoted(std::string_view address, Fn fn) {
  bool quoted = false;
  for (std::size_t i = 0; i < address.size(); ++i) {
    char c = address[i];
    if (c == '\\' && i + 1 < address.size()) {
      ++i;
      continue;
    }
    if (c == '"') {
      quoted = !quoted;
      continue;
    }
    if (!quoted) fn(i);
  }
}

bool valid_label(std::string_view label) {
  if (label.empty() || label.size() > 63) return false;
  if (label.front() == '-' || label.back() == '-') return false;
  for (char c : label) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return false;
  }
  return true;
}

}  // namespace

std::size_t find_unquoted(std::string_view address, char c) {
  std::size_t found = std::string_view::npos;
  for_each_unquoted(address, [&](std::size_t i) {
    if (found == std::string_view::npos && address[i] == c) found = i;
  });
  return found;
}

std::size_t rfind_unquoted(std::string_view address, char c) {
  std::size_t found = std::string_view::npos;
  for_each_unquoted(address, [&](std::size_t i) {
    if (address[i] == c) found = i;
  });
  return found;
}

std::size_t find_domain_at(std::string_view address) { return rfind_unquoted(address, '@'); }

std::optional<std::string> strip_source_route(std::string_view address) {
  if (address.empty() || address.front() != '@') return std::nullopt;
  std::size_t colon = find_unquoted(address, ':');
  if (colon == std::string_view::npos) return std::nullopt;
  return std::string(address.substr(colon + 1));
}

std::optional<std::string> swap_bang_path(std::string_view address) {
  std::size_t bang = find_unquoted(address, '!');
  if (bang == std::string_view::npos || bang == 0 || bang + 1 == address.size()) {
    return std::nullopt;
  }
  return std::string(address.substr(bang + 1)) + "@" + std::string(address.substr(0, bang));
}

std::optional<std::string> percent_to_at(std::string_view address) {
  std::size_t pct = rfind_unquoted(address, '%');
  if (pct == std::string_view::npos) return std::nullopt;
  std::string out(address);
  out[pct] = '@';
  return out;
}

std::string requote_local_part(std::string_view localpart) {
  if (localpart.empty() || find_unquoted(localpart, '@') != std::string_view::npos) {
    return std::string(localpart);
  }
  // Internal form: quotes and backslash escapes removed.
  std::string internal;
  for (std::size_t i = 0; i < localpart.size(); ++i) {
    char c = localpart[i];
    if (c == '\\' && i + 1 < localpart.size()) {
      internal += localpart[++i];
    } else if (c != '"') {
      internal += c;
    }
  }
  // A dot-atom needs no quotes: atext runs separated by single dots.
  static constexpr std::string_view kSpecials = "()<>@,;:\\\".[] ";
  bool plain = !internal.empty() && internal.front() != '.' && internal.back() != '.' &&
               internal.find("..") == std::string::npos;
  for (char c : internal) {
    if (c == '.') continue;
    if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f ||
        kSpecials.find(c) != std::string_view::npos) {
      plain = false;
    }
  }
  if (plain) return internal;
  std::string quoted = "\"";
  for (char c : internal) {
    if (c == '"' || c == '\\') quoted += '\\';
    quoted += c;
  }
  return quoted + "\"";
}

std::optional<std::string> address_literal(std::string_view domain) {
  if (domain.size() < 3 || domain.front() != '[' || domain.back() != ']') return std::nullopt;
  std::string_view inside = domain.substr(1, domain.size() - 2);
  if (util::starts_with_icase(inside, "IPv6:")) inside.remove_prefix(5);
  return std::string(inside);
}

bool valid_mail_domain(std::string_view domain, bool numeric_ok) {
  if (domain.empty() || domain.size() > 255) return false;
  if (auto literal = address_literal(domain)) {
    unsigned char buf[16];
    const bool v6 = util::starts_with_icase(domain.substr(1), "IPv6:");
    return ::inet_pton(v6 ? AF_INET6 : AF_INET, literal->c_str(), buf) == 1;
  }
  bool all_numeric = true;
  std::size_t start = 0;
  while (true) {
    std::size_t dot = domain.find('.', start);
    std::string_view label =
        domain.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (!valid_label(label)) return false;
    for (char c : label) {
      if (!std::isdigit(static_cast<unsigned char>(c))) all_numeric = false;
    }
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return numeric_ok || !all_numeric;
}

}  // namespace mail
