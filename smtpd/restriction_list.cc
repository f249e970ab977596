// Restriction list syntax (restriction_list.h).
#include "smtpd/restriction_list.h"

#include <strings.h>

#include <array>

namespace smtpd {
namespace {

bool equal_nocase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

template <std::size_t N>
bool in(const std::array<std::string_view, N>& names, std::string_view name) {
  for (auto n : names)
    if (equal_nocase(n, name)) return true;
  return false;
}

constexpr std::array<std::string_view, 25> kTableCommands = {
    "check_client_access", "check_reverse_client_hostname_access", "check_helo_access",
    "check_sender_access", "check_recipient_access", "check_etrn_access", "check_ccert_access",
    "check_sasl_access", "check_address_map", "check_client_hostname_access",
    // Access by the DNS servers of a name (check_server_access in Postfix).
    "check_client_ns_access", "check_client_mx_access", "check_client_a_access",
    "check_reverse_client_hostname_ns_access", "check_reverse_client_hostname_mx_access",
    "check_reverse_client_hostname_a_access", "check_helo_ns_access", "check_helo_mx_access",
    "check_helo_a_access", "check_sender_ns_access", "check_sender_mx_access",
    "check_sender_a_access", "check_recipient_ns_access", "check_recipient_mx_access",
    "check_recipient_a_access"};

constexpr std::array<std::string_view, 11> kArgumentCommands = {"reject_rbl_client",
                                                                "reject_rbl",
                                                                "reject_rhsbl_client",
                                                                "reject_rhsbl_reverse_client",
                                                                "reject_rhsbl_helo",
                                                                "reject_rhsbl_sender",
                                                                "reject_rhsbl_recipient",
                                                                "permit_dnswl_client",
                                                                "permit_rhswl_client",
                                                                "check_policy_service",
                                                                "sleep"};

}  // namespace

RestrictionList split_restrictions(std::string_view value) {
  RestrictionList out;
  std::string cur;
  int depth = 0;
  for (char c : value) {
    if (c == '{') ++depth;
    if (c == '}' && depth > 0) --depth;
    bool sep = depth == 0 && (c == ',' || c == ' ' || c == '\t' || c == '\r' || c == '\n');
    if (sep) {
      if (!cur.empty()) out.push_back(std::move(cur));
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) out.push_back(std::move(cur));
  return out;
}

bool takes_table(std::string_view name) { return in(kTableCommands, name); }
bool takes_argument(std::string_view name) { return in(kArgumentCommands, name); }

}  // namespace smtpd
