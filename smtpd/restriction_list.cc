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

constexpr std::array<std::string_view, 10> kTableCommands = {
    "check_client_access",    "check_reverse_client_hostname_access",
    "check_helo_access",      "check_sender_access",
    "check_recipient_access", "check_etrn_access",
    "check_ccert_access",     "check_sasl_access",
    "check_address_map",      "check_client_hostname_access"};

constexpr std::array<std::string_view, 9> kArgumentCommands = {
    "reject_rbl_client",           "reject_rbl",           "reject_rhsbl_client",
    "reject_rhsbl_reverse_client", "reject_rhsbl_helo",    "reject_rhsbl_sender",
    "reject_rhsbl_recipient",      "check_policy_service", "sleep"};

constexpr std::array<std::string_view, 43> kPlain = {"permit",
                                                     "reject",
                                                     "defer",
                                                     "defer_if_permit",
                                                     "defer_if_reject",
                                                     "warn_if_reject",
                                                     "dunno",
                                                     "permit_mynetworks",
                                                     "permit_sasl_authenticated",
                                                     "permit_inet_interfaces",
                                                     "reject_unauth_destination",
                                                     "defer_unauth_destination",
                                                     "permit_auth_destination",
                                                     "reject_unauth_pipelining",
                                                     "reject_non_fqdn_helo_hostname",
                                                     "reject_non_fqdn_hostname",
                                                     "reject_invalid_helo_hostname",
                                                     "reject_invalid_hostname",
                                                     "reject_unknown_helo_hostname",
                                                     "reject_unknown_hostname",
                                                     "reject_non_fqdn_sender",
                                                     "reject_non_fqdn_recipient",
                                                     "reject_unknown_sender_domain",
                                                     "reject_unknown_recipient_domain",
                                                     "reject_unknown_address",
                                                     "reject_unlisted_recipient",
                                                     "check_recipient_maps",
                                                     "reject_unlisted_sender",
                                                     "reject_unknown_client_hostname",
                                                     "reject_unknown_client",
                                                     "reject_unknown_reverse_client_hostname",
                                                     "reject_multi_recipient_bounce",
                                                     "reject_plaintext_session",
                                                     "permit_tls_clientcerts",
                                                     "permit_tls_all_clientcerts",
                                                     "reject_sender_login_mismatch",
                                                     "reject_authenticated_sender_login_mismatch",
                                                     "reject_known_sender_login_mismatch",
                                                     "reject_unauthenticated_sender_login_mismatch",
                                                     "permit_naked_ip_address",
                                                     "permit_mx_backup",
                                                     "check_relay_domains",
                                                     "reject_maps_rbl"};

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
bool is_known_restriction(std::string_view name) {
  return in(kPlain, name) || takes_table(name) || takes_argument(name);
}

}  // namespace smtpd
