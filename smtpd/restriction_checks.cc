// The individual restrictions: access tables, mynetworks, relay control,
// host name syntax, DNS checks, block lists, recipient tables and policy
// delegation (restriction_engine.h).
#include <strings.h>

#include <algorithm>

#include "libmail/own_addresses.h"
#include "libutil/log.h"
#include "libutil/strings.h"
#include "smtpd/restriction_dns.h"
#include "smtpd/restriction_engine.h"
#include "smtpd/restriction_hostname.h"
#include "smtpd/restriction_reply.h"

namespace smtpd {
namespace {

bool is(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

constexpr int kFinalClasses =
    mail::kResolveClassLocal | mail::kResolveClassAlias | mail::kResolveClassVirtual;

bool starts_nocase_at(std::string_view prefix, std::string_view address) {
  return address.size() > prefix.size() && address[prefix.size()] == '@' &&
         strncasecmp(prefix.data(), address.data(), prefix.size()) == 0;
}

}  // namespace

mail::Resolved RestrictionEngine::resolve(const std::string& address) const {
  return resolver_.resolve_address(
      resolver_.rewrite_address(address, mail::RewriteContext::kLocal));
}

// --- client ------------------------------------------------------------

CheckStatus RestrictionEngine::permit_mynetworks(CheckContext& c, const std::string& reply_name) {
  if (!mynetworks_) {
    util::msg_warn("mynetworks: " + mynetworks_error_);
    return dict_retry(c, reply_name);
  }
  auto m = mynetworks_->match_host(c.session.client.name, c.session.client.addr);
  if (!m) {
    util::msg_warn("mynetworks: " + m.error().message);
    return dict_retry(c, reply_name);
  }
  return *m ? CheckStatus::kOk : CheckStatus::kDunno;
}

CheckStatus RestrictionEngine::permit_inet_interfaces(CheckContext& c) {
  std::string addr = mail::normalize_ip(c.session.client.addr);
  if (!addr.empty() &&
      std::find(own_addresses_.begin(), own_addresses_.end(), addr) != own_addresses_.end())
    return CheckStatus::kOk;
  return CheckStatus::kDunno;
}

// --- access tables -----------------------------------------------------

CheckStatus RestrictionEngine::access_answer(CheckContext& c, const std::string& table_name,
                                             const mail::AccessResult& r, const std::string& datum,
                                             const std::string& reply_name,
                                             std::string_view reply_class, std::string_view def_acl,
                                             bool& found) {
  found = false;
  if (!r) {
    // The table itself said why (e.g. "hash:/x is unavailable. ...").
    found = true;
    util::msg_warn(table_name + " lookup error for \"" + datum + "\"");
    return table_result(c, table_name, "451 4.3.5 Server configuration error", datum, reply_name,
                        reply_class, def_acl);
  }
  if (!*r) return CheckStatus::kDunno;
  found = true;
  return table_result(c, table_name, (*r)->value, datum, reply_name, reply_class, def_acl);
}

CheckStatus RestrictionEngine::check_access(CheckContext& c, std::string_view command,
                                            const std::string& table_name,
                                            const std::string& reply_name,
                                            std::string_view reply_class,
                                            std::string_view def_acl) {
  util::Dict* dict = table(table_name);
  const Session& s = c.session;
  // The table itself said why (e.g. "hash:/x is unavailable. ...").
  auto on_error = [&](const std::string& datum) {
    util::msg_warn(table_name + " lookup error for \"" + datum + "\"");
    return table_result(c, table_name, "451 4.3.5 Server configuration error", datum, reply_name,
                        reply_class, def_acl);
  };
  if (!dict) {
    util::msg_warn("check_access: unexpected dictionary: " + table_name);
    return table_result(c, table_name, "451 4.3.5 Server configuration error", reply_name,
                        reply_name, reply_class, def_acl);
  }
  auto apply = [&](const mail::AccessResult& r, const std::string& datum,
                   bool& found) -> CheckStatus {
    return access_answer(c, table_name, r, datum, reply_name, reply_class, def_acl, found);
  };
  bool found = false;
  if (is(command, "check_client_access") || is(command, "check_reverse_client_hostname_access")) {
    const std::string& name =
        is(command, "check_client_access") ? s.client.name : s.client.reverse_name;
    CheckStatus st = apply(mail::access_lookup_domain(*dict, name, access_options_), name, found);
    if (found) return st;
    st = apply(mail::access_lookup_client_address(*dict, s.client.addr), s.client.addr, found);
    if (st == CheckStatus::kOk && is(command, "check_reverse_client_hostname_access")) {
      util::msg_warn("restriction " + std::string(command) + " returns OK for " + name);
      util::msg_warn("this is not allowed for security reasons");
      util::msg_warn("use DUNNO instead of OK if you want to make an exception");
      return server_error(c);
    }
    return st;
  }
  if (is(command, "check_helo_access")) {
    if (!s.helo_name) return CheckStatus::kDunno;
    return apply(mail::access_lookup_domain(*dict, *s.helo_name, access_options_), *s.helo_name,
                 found);
  }
  if (is(command, "check_etrn_access")) {
    if (!c.etrn_name) return CheckStatus::kDunno;
    return apply(mail::access_lookup_domain(*dict, *c.etrn_name, access_options_), *c.etrn_name,
                 found);
  }
  if (is(command, "check_sender_access")) {
    if (!s.sender) return CheckStatus::kDunno;
    if (s.sender->empty()) {
      auto v = dict->lookup(null_access_key_);
      if (!v) return on_error(*s.sender);
      if (!*v) return CheckStatus::kDunno;
      return table_result(c, table_name, **v, *s.sender, reply_name, reply_class, def_acl);
    }
    return check_mail_access(c, table_name, *s.sender, reply_name, reply_class, def_acl);
  }
  if (is(command, "check_recipient_access")) {
    if (!c.recipient) return CheckStatus::kDunno;
    return check_mail_access(c, table_name, *c.recipient, reply_name, reply_class, def_acl);
  }
  return CheckStatus::kDunno;
}

CheckStatus RestrictionEngine::check_mail_access(CheckContext& c, const std::string& table_name,
                                                 const std::string& address,
                                                 const std::string& reply_name,
                                                 std::string_view reply_class,
                                                 std::string_view def_acl) {
  mail::Resolved r = resolve(address);
  if (r.flags & mail::kResolveFlagFail) return dict_retry(c, address);
  if (r.recipient.rfind('@') == std::string::npos) {
    util::msg_warn("check_mail_access: no @domain in address: " + r.recipient);
    return CheckStatus::kDunno;
  }
  util::Dict* dict = table(table_name);
  auto found = mail::access_lookup_address(*dict, r.recipient, access_options_);
  if (!found) {
    util::msg_warn(table_name + " lookup error for \"" + r.recipient + "\"");
    return table_result(c, table_name, "451 4.3.5 Server configuration error", address, reply_name,
                        reply_class, def_acl);
  }
  if (!*found) return CheckStatus::kDunno;
  CheckStatus st =
      table_result(c, table_name, (*found)->value, address, reply_name, reply_class, def_acl);
  // A source-routed recipient is too suspicious to be let through by OK.
  bool suspicious = (r.flags & mail::kResolveFlagRouted) && reply_class == kClassRecipient;
  return st == CheckStatus::kOk && suspicious ? CheckStatus::kDunno : st;
}

// --- relay control -----------------------------------------------------

CheckStatus RestrictionEngine::permit_auth_destination(CheckContext& c,
                                                       const std::string& recipient) {
  mail::Resolved r = resolve(recipient);
  if (r.flags & mail::kResolveFlagFail) return dict_retry(c, recipient);
  if (r.recipient.rfind('@') == std::string::npos) return CheckStatus::kOk;
  if (r.flags & mail::kResolveFlagRouted) return CheckStatus::kDunno;
  if (r.flags & (kFinalClasses | mail::kResolveClassRelay)) return CheckStatus::kOk;
  return CheckStatus::kDunno;
}

CheckStatus RestrictionEngine::reject_unauth_destination(CheckContext& c,
                                                         const std::string& recipient, int code,
                                                         std::string_view dsn) {
  CheckStatus st = permit_auth_destination(c, recipient);
  if (st == CheckStatus::kOk) return CheckStatus::kDunno;
  if (st == CheckStatus::kReject) return st;
  return reject(c, ErrorClass::kPolicy, code, dsn, "<" + recipient + ">: Relay access denied");
}

// --- host names --------------------------------------------------------

CheckStatus RestrictionEngine::reject_invalid_hostaddr(CheckContext& c, const std::string& addr) {
  std::string test = addr;
  if (test.size() > 2 && test.front() == '[' && test.back() == ']')
    test = test.substr(1, test.size() - 2);
  if (valid_mailhost_addr(test)) return CheckStatus::kDunno;
  return reject(c, ErrorClass::kPolicy, codes_.bad_name, "5.5.2",
                "<" + addr + ">: " + std::string(kClassHelo) + " rejected: invalid ip address");
}

CheckStatus RestrictionEngine::reject_invalid_hostname(CheckContext& c, const std::string& name) {
  std::string test = drop_trailing_dot(name);
  if (valid_hostname(test) || valid_hostaddr(test)) return CheckStatus::kDunno;
  return reject(c, ErrorClass::kPolicy, codes_.bad_name, "5.5.2",
                "<" + name + ">: " + std::string(kClassHelo) + " rejected: Invalid name");
}

CheckStatus RestrictionEngine::reject_non_fqdn_hostname(CheckContext& c, const std::string& name) {
  std::string test = drop_trailing_dot(name);
  if (valid_hostname(test) && test.find('.') != std::string::npos) return CheckStatus::kDunno;
  return reject(
      c, ErrorClass::kPolicy, codes_.non_fqdn, "5.5.2",
      "<" + name + ">: " + std::string(kClassHelo) + " rejected: need fully-qualified hostname");
}

CheckStatus RestrictionEngine::reject_unknown_hostname(CheckContext& c, const std::string& name) {
  DnsStatus st = dns_host_exists(name);
  if (st == DnsStatus::kOk || st == DnsStatus::kNullMx) return CheckStatus::kDunno;
  const std::string text =
      "<" + name + ">: " + std::string(kClassHelo) + " rejected: Host not found";
  if (st == DnsStatus::kRetry)
    return defer_if_permit(c, unk_name_defer_if_permit_, 450, "4.7.1", text);
  return reject(c, ErrorClass::kPolicy, codes_.unk_name, "4.7.1", text);
}

// --- addresses ---------------------------------------------------------

CheckStatus RestrictionEngine::reject_non_fqdn_address(CheckContext& c, const std::string& addr,
                                                       std::string_view reply_class) {
  auto at = addr.rfind('@');
  std::string domain = at == std::string::npos ? "" : addr.substr(at + 1);
  if (!domain.empty() && domain.front() == '[' && domain.back() == ']') return CheckStatus::kDunno;
  std::string test = drop_trailing_dot(domain);
  if (!test.empty() && valid_hostname(test) && test.find('.') != std::string::npos)
    return CheckStatus::kDunno;
  return reject(
      c, ErrorClass::kPolicy, codes_.non_fqdn, "4.5.2",
      "<" + addr + ">: " + std::string(reply_class) + " rejected: need fully-qualified address");
}

CheckStatus RestrictionEngine::reject_unknown_address(CheckContext& c, const std::string& addr,
                                                      std::string_view reply_class) {
  mail::Resolved r = resolve(addr);
  if (r.flags & mail::kResolveFlagFail) return dict_retry(c, addr);
  auto at = r.recipient.rfind('@');
  if (at == std::string::npos) return CheckStatus::kDunno;
  std::string domain = r.recipient.substr(at + 1);
  if (r.flags & kFinalClasses) return CheckStatus::kDunno;
  if (!domain.empty() && domain.front() == '[' && domain.back() == ']') return CheckStatus::kDunno;
  bool sender = reply_class == kClassSender;
  const std::string prefix = "<" + addr + ">: " + std::string(reply_class) + " rejected: ";
  switch (dns_mail_domain_exists(domain)) {
    case DnsStatus::kOk:
      return CheckStatus::kDunno;
    case DnsStatus::kNullMx:
      return reject(c, ErrorClass::kPolicy, sender ? 550 : 556, sender ? "4.7.27" : "4.1.10",
                    prefix + "Domain " + domain + " does not accept mail (nullMX)");
    case DnsStatus::kNotFound:
      return reject(c, ErrorClass::kPolicy, codes_.unk_addr, sender ? "4.1.8" : "4.1.2",
                    prefix + "Domain not found");
    case DnsStatus::kRetry:
      break;
  }
  return defer_if_permit(c, unk_addr_defer_if_permit_, 450, sender ? "4.1.8" : "4.1.2",
                         prefix + "Domain not found");
}

// --- DNS block lists ---------------------------------------------------

CheckStatus RestrictionEngine::rbl_reject_reply(CheckContext& c, const std::string& rbl_arg,
                                                const std::string& what,
                                                std::string_view reply_class,
                                                const std::string& txt) {
  // rbl_reply_maps is searched with the argument as written ("list=127.0.0.2");
  // $rbl_domain is the list's name alone.
  const std::string rbl_domain = rbl_arg.substr(0, rbl_arg.find('='));
  std::string tpl = default_rbl_reply_;
  std::string key = util::lowercase(rbl_arg);
  for (const auto& map : rbl_reply_maps_) {
    auto v = map->lookup(key);
    if (v && *v) {
      tpl = **v;
      break;
    }
  }
  auto lookup = [&](std::string_view name) -> std::optional<std::string> {
    if (name == "rbl_code") return std::to_string(codes_.maps_rbl);
    if (name == "rbl_domain") return rbl_domain;
    if (name == "rbl_reason" || name == "rbl_txt") return txt;
    if (name == "rbl_what") return what;
    if (name == "rbl_class") return std::string(reply_class);
    if (name == "client") return c.session.client.namaddr();
    if (name == "client_address") return c.session.client.addr;
    if (name == "client_name") return c.session.client.name;
    if (name == "helo_name") return c.session.helo_name.value_or("");
    if (name == "sender")
      return c.session.sender ? (c.session.sender->empty() ? "<>" : *c.session.sender) : "";
    if (name == "recipient") return c.recipient.value_or("");
    return std::nullopt;
  };
  std::string why = expand_template(tpl, lookup);
  if (why.size() < 4 || (why[0] != '4' && why[0] != '5') ||
      !std::isdigit(static_cast<unsigned char>(why[1])) ||
      !std::isdigit(static_cast<unsigned char>(why[2])) || why[3] != ' ') {
    util::msg_warn("rbl response code configuration error: " + why);
    return reject(c, ErrorClass::kPolicy, 450, "4.7.1", "Service unavailable");
  }
  int code = std::stoi(why.substr(0, 3));
  DsnSplit d = dsn_split("4.7.1", std::string_view(why).substr(4));
  return reject(c, ErrorClass::kPolicy, code, dsn_fix(d.dsn, reply_class),
                d.text.empty() ? std::string("Service unavailable") : d.text);
}

CheckStatus RestrictionEngine::reject_rbl_addr(CheckContext& c, const std::string& rbl_domain,
                                               const std::string& addr,
                                               std::string_view reply_class) {
  std::string domain = rbl_domain;
  std::string want;
  if (auto eq = domain.find('='); eq != std::string::npos) {
    want = domain.substr(eq + 1);
    domain.resize(eq);
  }
  auto query = rbl_query_name(addr, domain);
  if (!query) return CheckStatus::kDunno;
  const RblRecord& answer = rbl_cache_.lookup(*query);
  if (!rbl_matches(answer, want)) return CheckStatus::kDunno;
  return rbl_reject_reply(c, rbl_domain, addr, reply_class, answer.txt);
}

CheckStatus RestrictionEngine::reject_rbl_domain(CheckContext& c, const std::string& rbl_domain,
                                                 const std::string& what,
                                                 std::string_view reply_class) {
  std::string domain = rbl_domain;
  std::string want;
  if (auto eq = domain.find('='); eq != std::string::npos) {
    want = domain.substr(eq + 1);
    domain.resize(eq);
  }
  auto query = rhsbl_query_name(what, domain);
  if (!query) return CheckStatus::kDunno;
  const RblRecord& answer = rbl_cache_.lookup(*query);
  if (!rbl_matches(answer, want)) return CheckStatus::kDunno;
  return rbl_reject_reply(c, rbl_domain, what, reply_class, answer.txt);
}

// --- SASL login vs sender ---------------------------------------------

CheckStatus RestrictionEngine::sender_login_mismatch(CheckContext& c, const std::string& sender,
                                                     bool allow_unknown) {
  if (sender_login_maps_.empty()) return CheckStatus::kDunno;
  const std::string& login = c.session.sasl_username;
  mail::Resolved r = resolve(sender);
  if (r.flags & mail::kResolveFlagFail) return dict_retry(c, sender);
  auto owners =
      addr_find(sender_login_maps_, r.recipient, (r.flags & mail::kResolveClassLocal) != 0,
                access_options_.recipient_delimiter);
  if (!owners) {
    util::msg_warn(sender_login_maps_.front()->type_name() + " lookup error for \"" + r.recipient +
                   "\"");
    return dict_retry(c, sender);
  }
  if (login.empty()) {
    if (!*owners) return CheckStatus::kDunno;
    return reject(c, ErrorClass::kPolicy, 553, "5.7.1",
                  "<" + sender + ">: Sender address rejected: not logged in");
  }
  if (!*owners) {
    if (allow_unknown) return CheckStatus::kDunno;
  } else {
    for (const auto& owner : split_restrictions(**owners))
      if (strcasecmp(owner.c_str(), login.c_str()) == 0) return CheckStatus::kDunno;
  }
  return reject(c, ErrorClass::kPolicy, 553, "5.7.1",
                "<" + sender + ">: Sender address rejected: not owned by user " + login);
}

// --- recipient tables --------------------------------------------------

CheckStatus RestrictionEngine::check_recipient_rcpt_maps(CheckContext& c,
                                                         const std::string& recipient) {
  if (c.recipient_maps_checked) return CheckStatus::kDunno;
  if (c.warn_if_reject == 0) c.recipient_maps_checked = true;
  return check_rcpt_maps(c, recipient, kClassRecipient);
}

CheckStatus RestrictionEngine::check_sender_rcpt_maps(CheckContext& c, const std::string& sender) {
  if (c.sender_maps_checked) return CheckStatus::kDunno;
  if (c.warn_if_reject == 0) c.sender_maps_checked = true;
  return check_rcpt_maps(c, sender, kClassSender);
}

CheckStatus RestrictionEngine::check_rcpt_maps(CheckContext& c, const std::string& address,
                                               std::string_view reply_class) {
  mail::Resolved r = resolve(address);
  if (r.flags & mail::kResolveFlagFail) return dict_retry(c, address);
  const bool sender = reply_class == kClassSender;
  const std::string& delim = access_options_.recipient_delimiter;
  const bool local = (r.flags & mail::kResolveClassLocal) != 0;
  std::optional<CheckStatus> failed;
  auto match = [&](const TableList& maps) -> bool {
    if (maps.empty() || failed) return false;
    auto v = addr_find(maps, r.recipient, local, delim);
    if (!v) {
      util::msg_warn(maps.front()->type_name() + " lookup error for \"" + r.recipient + "\"");
      failed = dict_retry(c, address);
      return false;
    }
    return v->has_value();
  };
  if (match(rcpt_canon_maps_) || (sender && match(send_canon_maps_)) || match(canonical_maps_) ||
      match(virt_alias_maps_))
    return CheckStatus::kDunno;
  if (failed) return *failed;

  const std::string prefix = "<" + address + ">: " + std::string(reply_class) + " rejected: ";
  if (r.transport == "error" || r.transport == "retry") {
    bool error = r.transport == "error";
    DsnSplit d =
        dsn_split(error ? (sender ? "5.1.0" : "5.1.1") : (sender ? "4.1.0" : "4.1.1"), r.nexthop);
    int code = error ? ((r.flags & mail::kResolveClassAlias) ? codes_.virt_alias : 550) : 450;
    return reject(c, ErrorClass::kBounce, code, dsn_fix(d.dsn, reply_class), prefix + d.text);
  }
  auto unknown = [&](int code, const char* table_name) {
    return reject(c, ErrorClass::kBounce, code, sender ? "5.1.0" : "5.1.1",
                  prefix + "User unknown" +
                      (show_unknown_table_ ? std::string(" in ") + table_name : std::string()));
  };
  if (r.flags & mail::kResolveClassLocal) {
    if (local_rcpt_maps_.empty()) return CheckStatus::kDunno;
    if (starts_nocase_at(double_bounce_sender_, r.recipient) ||
        starts_nocase_at("postmaster", r.recipient) ||
        starts_nocase_at("mailer-daemon", r.recipient))
      return CheckStatus::kDunno;
    if (!match(local_rcpt_maps_)) {
      if (failed) return *failed;
      return unknown(codes_.local_rcpt, "local recipient table");
    }
  } else if (r.flags & mail::kResolveClassVirtual) {
    if (!virt_mailbox_maps_.empty() && !match(virt_mailbox_maps_)) {
      if (failed) return *failed;
      return unknown(codes_.virt_mailbox, "virtual mailbox table");
    }
  } else if (r.flags & mail::kResolveClassRelay) {
    if (!relay_rcpt_maps_.empty() && !match(relay_rcpt_maps_)) {
      if (failed) return *failed;
      return unknown(codes_.relay_rcpt, "relay recipient table");
    }
  }
  return CheckStatus::kDunno;
}

// --- policy delegation -------------------------------------------------

CheckStatus RestrictionEngine::check_policy_service(CheckContext& c, const std::string& server,
                                                    const std::string& reply_name,
                                                    std::string_view reply_class,
                                                    std::string_view def_acl) {
  auto it = policy_.find(server);
  if (it == policy_.end()) {
    util::msg_warn("check_policy_service: no client endpoint for server " + server);
    return server_error(c);
  }
  PolicyClient& client = *it->second;
  const Session& s = c.session;
  const bool in_data = c.where == "DATA" || c.where == "END-OF-MESSAGE" || c.where == "BDAT";
  long long size = message_size_ > 0 ? message_size_ : s.declared_size;
  mail::PolicyAttrs attrs = {
      {"request", "smtpd_access_policy"},
      {"protocol_state", c.where},
      {"protocol_name", !c.session.xclient_protocol.empty() ? c.session.xclient_protocol
                        : esmtp_                            ? "ESMTP"
                                                            : "SMTP"},
      {"client_address", s.client.addr},
      {"client_name", s.client.name},
      {"client_port", s.client.port},
      {"reverse_client_name", s.client.reverse_name},
      {"server_address", s.client.server_addr},
      {"server_port", s.client.server_port},
      {"helo_name", s.helo_name.value_or("")},
      {"sender", s.sender.value_or("")},
      {"recipient", c.recipient.value_or("")},
      {"recipient_count", std::to_string(in_data ? s.recipients.size() : 0)},
      {"queue_id", s.queue_id},
      {"instance", instance_},
      {"size", std::to_string(size)},
      {"etrn_domain", c.etrn_name.value_or("")},
      {"stress", stress_},
      {"sasl_method", s.sasl_method},
      {"sasl_username", s.sasl_username},
      {"sasl_sender", s.sasl_sender},
      {"ccert_subject", ""},
      {"ccert_issuer", ""},
      {"ccert_fingerprint", ""},
      {"ccert_pubkey_fingerprint", ""},
      {"encryption_protocol", s.tls_active ? s.tls_protocol : ""},
      {"encryption_cipher", s.tls_active ? s.tls_cipher : ""},
      {"encryption_keysize", std::to_string(s.tls_active ? s.tls_cipher_bits : 0)},
      {"policy_context", client.options().policy_context},
  };
  // Strip what would break the line protocol (a client-controlled value
  // with a newline could inject attributes).
  for (auto& [name, value] : attrs) std::replace(value.begin(), value.end(), '\n', ' ');
  auto action = client.query(attrs);
  if (!action) {
    ++policy_nesting_;
    CheckStatus st =
        table_result(c, server,
                     policy_nesting_ == 1 ? client.options().default_action
                                          : std::string("451 4.3.5 Server configuration problem"),
                     "policy query", reply_name, reply_class, def_acl);
    --policy_nesting_;
    return st;
  }
  return table_result(c, server, *action, "policy query", reply_name, reply_class, def_acl);
}

}  // namespace smtpd
