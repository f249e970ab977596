// The evaluation loop of the restriction engine: generic_checks, the
// reject/defer bookkeeping and the meaning of access-table results
// (restriction_engine.h).
#include "smtpd/restriction_engine.h"

#include <strings.h>

#include "libutil/log.h"
#include "smtpd/access_action.h"
#include "smtpd/restriction_reply.h"

namespace smtpd {
namespace {

bool is(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

// "Name: value" with a valid header name.
bool is_header(std::string_view text) {
  std::size_t colon = text.find(':');
  if (colon == 0 || colon == std::string_view::npos) return false;
  for (std::size_t i = 0; i < colon; ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c <= ' ' || c >= 127) return false;
  }
  return true;
}

}  // namespace

util::Dict* RestrictionEngine::table(const std::string& name) const {
  auto it = tables_.find(name);
  return it == tables_.end() ? nullptr : it->second.get();
}

void RestrictionEngine::log_whatsup(const CheckContext& c, std::string_view whatsup,
                                    std::string_view text) const {
  util::msg_info(whatsup_line(c.session, whatsup, c.where, text,
                              c.recipient ? &*c.recipient : nullptr, esmtp_));
}

CheckStatus RestrictionEngine::reject(CheckContext& c, ErrorClass error_class, int code,
                                      std::string_view dsn, const std::string& text) {
  bool warn = c.warn_if_reject != 0 && error_class != ErrorClass::kSoftware &&
              error_class != ErrorClass::kResource && error_class != ErrorClass::kData;
  SmtpReply r = make_reply(code, dsn, text, false);
  // An earlier temporary problem turns this 5xx into that deferral.
  if (!warn && c.defer_if_reject.active && r.code >= 500) {
    c.warn_if_reject = 0;
    c.defer_if_reject.active = false;
    Deferral d = c.defer_if_reject;
    return reject(c, d.error_class, d.code, d.dsn, d.text);
  }
  r = make_reply(r.code, r.dsn, r.text, soft_bounce_);
  log_whatsup(c, warn ? "reject_warning" : "reject", r.line());
  if (warn) return CheckStatus::kDunno;
  c.reply = r;
  return CheckStatus::kReject;
}

void RestrictionEngine::defer_if(Deferral& d, ErrorClass error_class, int code,
                                 std::string_view dsn, const std::string& text) {
  if (d.active) return;  // the first reason is the one reported
  d.active = true;
  d.error_class = error_class;
  d.code = code;
  d.dsn = std::string(dsn);
  d.text = text;
}

CheckStatus RestrictionEngine::defer_if_permit(CheckContext& c, bool defer_if_permit_action,
                                               int code, std::string_view dsn,
                                               const std::string& text) {
  if (c.warn_if_reject == 0 && defer_if_permit_action) {
    defer_if(c.defer_if_permit, ErrorClass::kPolicy, code, dsn, text);
    return CheckStatus::kDunno;
  }
  return reject(c, ErrorClass::kPolicy, code, dsn, text);
}

CheckStatus RestrictionEngine::dict_retry(CheckContext& c, const std::string& reply_name) {
  return reject(c, ErrorClass::kData, 451, "4.3.0",
                "<" + reply_name + ">: Temporary lookup failure");
}

CheckStatus RestrictionEngine::server_error(CheckContext& c) {
  return reject(c, ErrorClass::kSoftware, 451, "4.3.5", "Server configuration error");
}

CheckStatus RestrictionEngine::table_result(CheckContext& c, const std::string& table_name,
                                            const std::string& value, const std::string& datum,
                                            const std::string& reply_name,
                                            std::string_view reply_class,
                                            std::string_view def_acl) {
  AccessAction a = parse_access_action(value);
  const std::string rc(reply_class);
  auto rejected = [&](int code, std::string_view def_dsn, std::string_view def_text) {
    DsnSplit d = dsn_split(def_dsn, a.text);
    return reject(c, ErrorClass::kPolicy, code, dsn_fix(d.dsn, reply_class),
                  "<" + reply_name + ">: " + rc +
                      " rejected: " + (d.text.empty() ? std::string(def_text) : d.text));
  };
  // HOLD, DISCARD, FILTER, REDIRECT, BCC, PREPEND need a mail transaction.
  auto can_delegate = [&](const char* action) {
    if (c.where == "ETRN") {
      util::msg_warn("access table " + table_name + ": action " + action +
                     " is unavailable in smtpd_etrn_restrictions");
      return false;
    }
    if (!c.session.sender) {
      util::msg_warn("access table " + table_name + ": with smtpd_delay_reject=no, action " +
                     action + " is always skipped in Client host or Helo command restrictions");
      return false;
    }
    return true;
  };
  switch (a.verb) {
    case AccessVerb::kDunno:
      return CheckStatus::kDunno;
    case AccessVerb::kReject:
      return rejected(codes_.access_map_reject, "5.7.1", "Access denied");
    case AccessVerb::kDefer:
      return rejected(codes_.access_map_defer, "4.7.1", "Access denied");
    case AccessVerb::kReply: {
      std::string def_dsn = "5.7.1";
      def_dsn[0] = a.word[0];
      return rejected(a.code, def_dsn, "Access denied");
    }
    case AccessVerb::kInfo:
      log_whatsup(c, "info", a.text);
      return CheckStatus::kDunno;
    case AccessVerb::kWarn:
      log_whatsup(c, "warn", a.text);
      return CheckStatus::kDunno;
    case AccessVerb::kFilter:
      if (!can_delegate("FILTER")) return CheckStatus::kDunno;
      if (a.text.empty()) {
        util::msg_warn("access table " + table_name + " entry \"" + datum +
                       "\" has FILTER entry without value");
      } else if (a.text.find(':') == std::string::npos) {
        util::msg_warn("access table " + table_name + " entry \"" + datum +
                       "\" requires transport:destination");
      } else {
        log_whatsup(c, "filter", "<" + reply_name + ">: " + rc + " triggers FILTER " + a.text);
        c.session.filter = a.text;
      }
      return CheckStatus::kDunno;
    case AccessVerb::kHold:
      if (!can_delegate("HOLD") || c.session.hold) return CheckStatus::kDunno;
      log_whatsup(c, "hold",
                  "<" + reply_name + ">: " + rc + " " +
                      (a.text.empty() ? std::string("triggers HOLD action") : a.text));
      c.session.hold = true;
      c.session.hold_reason = a.text;
      return CheckStatus::kDunno;
    case AccessVerb::kDiscard:
      if (!can_delegate("DISCARD")) return CheckStatus::kDunno;
      log_whatsup(c, "discard",
                  "<" + reply_name + ">: " + rc + " " +
                      (a.text.empty() ? std::string("triggers DISCARD action") : a.text));
      c.session.discard = true;
      c.session.discard_reason = a.text;
      return CheckStatus::kOk;
    case AccessVerb::kRedirect:
      if (!can_delegate("REDIRECT")) return CheckStatus::kDunno;
      if (a.text.find('@') == std::string::npos) {
        util::msg_warn("access table " + table_name + " entry \"" + datum +
                       "\" requires user@domain target");
      } else {
        log_whatsup(c, "redirect", "<" + reply_name + ">: " + rc + " triggers REDIRECT " + a.text);
        c.session.redirect = a.text;
      }
      return CheckStatus::kDunno;
    case AccessVerb::kBcc:
      // Session has no BCC field: logged as Postfix does, not applied.
      if (!can_delegate("BCC")) return CheckStatus::kDunno;
      if (a.text.find('@') == std::string::npos) {
        util::msg_warn("access table " + table_name + " entry \"" + datum +
                       "\" requires user@domain target");
      } else {
        log_whatsup(c, "bcc", "<" + reply_name + ">: " + rc + " triggers BCC " + a.text);
      }
      return CheckStatus::kDunno;
    case AccessVerb::kDeferIfPermit: {
      DsnSplit d = dsn_split("4.7.1", a.text);
      return defer_if_permit(c, true, codes_.access_map_defer, dsn_fix(d.dsn, reply_class),
                             "<" + reply_name + ">: " + rc + " rejected: " +
                                 (d.text.empty() ? std::string("Service unavailable") : d.text));
    }
    case AccessVerb::kDeferIfReject: {
      DsnSplit d = dsn_split("4.7.1", a.text);
      defer_if(c.defer_if_reject, ErrorClass::kPolicy, codes_.access_map_defer,
               dsn_fix(d.dsn, reply_class),
               "<" + reply_name + ">: " + rc +
                   " rejected: " + (d.text.empty() ? std::string("Service unavailable") : d.text));
      return CheckStatus::kDunno;
    }
    case AccessVerb::kPrepend:
      if (!c.session.sender) {
        util::msg_warn("access table " + table_name +
                       ": with smtpd_delay_reject=no, action PREPEND is always skipped in "
                       "Client host or Helo command restrictions");
        return CheckStatus::kDunno;
      }
      if (c.where == "END-OF-MESSAGE") {
        util::msg_warn("access table " + table_name +
                       ": action PREPEND must be used before smtpd_end_of_data_restrictions");
        return CheckStatus::kDunno;
      }
      if (a.text.empty() || !is_header(a.text)) {
        util::msg_warn("access table " + table_name + " entry \"" + datum +
                       "\" requires header: text");
        return CheckStatus::kDunno;
      }
      c.session.prepend_headers.push_back(a.text);
      return CheckStatus::kDunno;
    case AccessVerb::kOk:
      return CheckStatus::kOk;
    case AccessVerb::kTableReference:
      util::msg_warn("access table " + table_name + " has entry with lookup table: " + value);
      util::msg_warn("do not specify lookup tables inside SMTPD access maps");
      util::msg_warn("define a restriction class and specify its name instead.");
      return server_error(c);
    case AccessVerb::kRestrictions:
      break;
  }
  if (c.recursion > 100) {
    util::msg_warn("access table " + table_name + " entry " + value +
                   " causes unreasonable recursion");
    return server_error(c);
  }
  RestrictionList list = split_restrictions(value);
  if (list.empty()) {
    util::msg_warn("access table " + table_name + " entry " + value + " has empty value");
    return CheckStatus::kOk;
  }
  return generic_checks(c, list, reply_name, reply_class, def_acl);
}

CheckStatus RestrictionEngine::generic_checks(CheckContext& c, const RestrictionList& list,
                                              const std::string& reply_name,
                                              std::string_view reply_class,
                                              std::string_view def_acl) {
  const int saved_recursion = c.recursion++;
  CheckStatus status = CheckStatus::kDunno;
  const Session& s = c.session;
  const std::string rc(reply_class);
  for (std::size_t i = 0; i < list.size(); ++i) {
    if (c.session.discard) break;
    std::string name = list[i];
    std::string arg;
    if (is(name, "warn_if_reject")) {
      if (c.warn_if_reject == 0) c.warn_if_reject = c.recursion;
      continue;
    }
    // A bare "type:table" is the list's own check_*_access.
    if (name.find(':') != std::string::npos && name.front() != '{') {
      if (def_acl.empty()) {
        util::msg_warn(
            "specify one of (check_client_access, check_reverse_client_hostname_access, "
            "check_helo_access, check_sender_access, check_recipient_access, "
            "check_etrn_access) before " +
            rc + " restriction \"" + name + "\"");
        status = server_error(c);
        break;
      }
      arg = name;
      name = std::string(def_acl);
    } else if (takes_table(name)) {
      if (i + 1 >= list.size() || list[i + 1].find(':') == std::string::npos) {
        util::msg_warn("restriction " + name + ": bad argument \"" +
                       (i + 1 < list.size() ? list[i + 1] : std::string()) +
                       "\": need maptype:mapname");
        status = server_error(c);
        break;
      }
      arg = list[++i];
    } else if (is(name, "check_policy_service")) {
      if (i + 1 >= list.size() || list[i + 1].find(':') == std::string::npos) {
        util::msg_warn("restriction check_policy_service must be followed by transport:server");
        status = server_error(c);
        break;
      }
      arg = list[++i];
    } else if (takes_argument(name)) {
      if (i + 1 >= list.size()) {
        util::msg_warn("restriction " + name + " requires domain name argument");
        continue;
      }
      arg = list[++i];
    }

    if (is(name, "permit")) {
      status = CheckStatus::kOk;
      if (i + 1 < list.size())
        util::msg_warn("restriction `" + list[i + 1] + "' after `permit' is ignored");
    } else if (is(name, "dunno")) {
      status = CheckStatus::kDunno;
    } else if (is(name, "defer")) {
      status = reject(c, ErrorClass::kPolicy, codes_.defer, "4.3.2",
                      "<" + reply_name + ">: " + rc + " rejected: Try again later");
    } else if (is(name, "reject")) {
      status = reject(c, ErrorClass::kPolicy, codes_.reject, "5.7.1",
                      "<" + reply_name + ">: " + rc + " rejected: Access denied");
    } else if (is(name, "reject_unauth_pipelining")) {
      // Talking ahead is allowed for ESMTP clients except at DATA (Postfix).
      if (illegal_pipelining_ && (!s.esmtp || c.where == "DATA"))
        status = reject(
            c, ErrorClass::kProtocol, 503, "5.5.0",
            "<" + reply_name + ">: " + rc + " rejected: Improper use of SMTP command pipelining");
    } else if (is(name, "check_policy_service")) {
      status = check_policy_service(c, arg, reply_name, reply_class, def_acl);
    } else if (is(name, "defer_if_permit")) {
      status =
          defer_if_permit(c, true, 450, "4.7.0",
                          "<" + reply_name + ">: " + rc + " rejected: defer_if_permit requested");
    } else if (is(name, "defer_if_reject")) {
      defer_if(c.defer_if_reject, ErrorClass::kPolicy, 450, "4.7.0",
               "<" + reply_name + ">: " + rc + " rejected: defer_if_reject requested");
    } else if (is(name, "reject_plaintext_session")) {
      if (!s.tls_active)
        status = reject(c, ErrorClass::kPolicy, codes_.plaintext, "4.7.1",
                        "Session encryption is required");
    } else if (is(name, "reject_unknown_client_hostname") || is(name, "reject_unknown_client")) {
      // A lookup that failed for now is never a permanent reject. (The name
      // decides, the status only the code: XCLIENT may set a name.)
      if (is(s.client.name, "unknown"))
        status =
            reject(c, ErrorClass::kPolicy,
                   s.client.name_status == PeerStatus::kTemp ? 450 : codes_.unk_client, "4.7.25",
                   "Client host rejected: cannot find your hostname, [" + s.client.addr + "]");
    } else if (is(name, "reject_unknown_reverse_client_hostname")) {
      if (is(s.client.reverse_name, "unknown"))
        status = reject(
            c, ErrorClass::kPolicy,
            s.client.reverse_name_status == PeerStatus::kTemp ? 450 : codes_.unk_client, "4.7.1",
            "Client host rejected: cannot find your reverse hostname, [" + s.client.addr + "]");
    } else if (is(name, "permit_inet_interfaces")) {
      status = permit_inet_interfaces(c);
    } else if (is(name, "permit_mynetworks")) {
      status = permit_mynetworks(c, reply_name);
    } else if (is(name, "check_client_access") ||
               is(name, "check_reverse_client_hostname_access") || is(name, "check_helo_access") ||
               is(name, "check_sender_access") || is(name, "check_recipient_access") ||
               is(name, "check_etrn_access")) {
      // Each check names what it looked up, whatever list it is in.
      if (is(name, "check_client_access")) {
        status = check_access(c, name, arg, s.client.namaddr(), kClassClient, def_acl);
      } else if (is(name, "check_reverse_client_hostname_access")) {
        status = check_access(c, name, arg, s.client.reverse_name, kClassReverseClient, def_acl);
      } else if (is(name, "check_helo_access")) {
        if (s.helo_name) status = check_access(c, name, arg, *s.helo_name, kClassHelo, def_acl);
      } else if (is(name, "check_sender_access")) {
        if (s.sender) status = check_access(c, name, arg, *s.sender, kClassSender, def_acl);
      } else if (is(name, "check_recipient_access")) {
        if (c.recipient)
          status = check_access(c, name, arg, *c.recipient, kClassRecipient, def_acl);
      } else if (c.etrn_name) {
        status = check_access(c, name, arg, *c.etrn_name, kClassEtrn, def_acl);
      }
    } else if (is(name, "reject_rbl_client") || is(name, "reject_rbl")) {
      status = reject_rbl_addr(c, arg, s.client.addr, kClassClient);
    } else if (is(name, "permit_dnswl_client")) {
      status = permit_dnswl(c, arg, s.client.addr, false, kClassClient);
    } else if (is(name, "permit_rhswl_client")) {
      if (!is(s.client.name, "unknown"))
        status = permit_dnswl(c, arg, s.client.name, true, kClassClient);
    } else if (auto server = server_check(name)) {
      status = check_server_access_command(c, name, *server, arg, def_acl);
    } else if (is(name, "permit_mx_backup")) {
      if (c.recipient) status = permit_mx_backup(c, *c.recipient);
    } else if (is(name, "reject_rhsbl_client")) {
      if (s.client.name != "unknown")
        status = reject_rbl_domain(c, arg, s.client.name, kClassClient);
    } else if (is(name, "reject_rhsbl_reverse_client")) {
      if (s.client.reverse_name != "unknown")
        status = reject_rbl_domain(c, arg, s.client.reverse_name, kClassReverseClient);
    } else if (is(name, "reject_rhsbl_helo")) {
      if (s.helo_name) status = reject_rbl_domain(c, arg, *s.helo_name, kClassHelo);
    } else if (is(name, "reject_rhsbl_sender")) {
      if (s.sender && !s.sender->empty())
        status = reject_rbl_domain(c, arg, *s.sender, kClassSender);
    } else if (is(name, "reject_rhsbl_recipient")) {
      if (c.recipient) status = reject_rbl_domain(c, arg, *c.recipient, kClassRecipient);
    } else if (is(name, "reject_invalid_helo_hostname") || is(name, "reject_invalid_hostname")) {
      if (s.helo_name)
        status = s.helo_name->front() != '[' ? reject_invalid_hostname(c, *s.helo_name)
                                             : reject_invalid_hostaddr(c, *s.helo_name);
    } else if (is(name, "reject_unknown_helo_hostname") || is(name, "reject_unknown_hostname")) {
      if (s.helo_name)
        status = s.helo_name->front() != '[' ? reject_unknown_hostname(c, *s.helo_name)
                                             : reject_invalid_hostaddr(c, *s.helo_name);
    } else if (is(name, "reject_non_fqdn_helo_hostname") || is(name, "reject_non_fqdn_hostname")) {
      if (s.helo_name)
        status = s.helo_name->front() != '[' ? reject_non_fqdn_hostname(c, *s.helo_name)
                                             : reject_invalid_hostaddr(c, *s.helo_name);
    } else if (is(name, "reject_unknown_sender_domain") || is(name, "reject_unknown_address")) {
      if (s.sender && !s.sender->empty())
        status = reject_unknown_address(c, *s.sender, kClassSender);
    } else if (is(name, "reject_non_fqdn_sender")) {
      if (s.sender && !s.sender->empty())
        status = reject_non_fqdn_address(c, *s.sender, kClassSender);
    } else if (is(name, "reject_unlisted_sender")) {
      if (s.sender && !s.sender->empty()) status = check_sender_rcpt_maps(c, *s.sender);
    } else if (is(name, "reject_authenticated_sender_login_mismatch") ||
               is(name, "reject_known_sender_login_mismatch") ||
               is(name, "reject_unauthenticated_sender_login_mismatch")) {
      if (!sasl_enabled_) {
        util::msg_warn("restriction `" + name + "' ignored: no SASL support");
      } else if (s.sender && !s.sender->empty()) {
        bool authenticated = !s.sasl_username.empty();
        if (is(name, "reject_authenticated_sender_login_mismatch"))
          status = authenticated ? sender_login_mismatch(c, *s.sender, false) : status;
        else if (is(name, "reject_unauthenticated_sender_login_mismatch"))
          status = !authenticated ? sender_login_mismatch(c, *s.sender, false) : status;
        else
          status = sender_login_mismatch(c, *s.sender, true);
      }
    } else if (is(name, "permit_auth_destination")) {
      if (c.recipient) status = permit_auth_destination(c, *c.recipient);
    } else if (is(name, "reject_unauth_destination")) {
      if (c.recipient) status = reject_unauth_destination(c, *c.recipient, codes_.relay, "5.7.1");
    } else if (is(name, "defer_unauth_destination")) {
      if (c.recipient)
        status = reject_unauth_destination(c, *c.recipient, codes_.relay - 100, "4.7.1");
    } else if (is(name, "permit_sasl_authenticated")) {
      if (sasl_enabled_ && !s.sasl_username.empty()) status = CheckStatus::kOk;
    } else if (is(name, "permit_tls_clientcerts") || is(name, "permit_tls_all_clientcerts")) {
      // No verified client certificates in this smtpd: never permits.
    } else if (is(name, "reject_unknown_recipient_domain")) {
      if (c.recipient) status = reject_unknown_address(c, *c.recipient, kClassRecipient);
    } else if (is(name, "reject_non_fqdn_recipient")) {
      if (c.recipient) status = reject_non_fqdn_address(c, *c.recipient, kClassRecipient);
    } else if (is(name, "check_recipient_maps") || is(name, "reject_unlisted_recipient")) {
      if (c.recipient && !c.recipient->empty()) status = check_recipient_rcpt_maps(c, *c.recipient);
    } else if (is(name, "reject_multi_recipient_bounce")) {
      if (s.sender && s.sender->empty() && s.recipients.size() > (c.where == "DATA" ? 1u : 0u))
        status = reject(c, ErrorClass::kPolicy, codes_.mul_rcpt, "5.5.3",
                        "<" + reply_name + ">: " + rc + " rejected: Multi-recipient bounce");
    } else if (is(name, "permit_naked_ip_address") || is(name, "check_relay_domains") ||
               is(name, "reject_maps_rbl") || is(name, "sleep")) {
      util::msg_warn("restriction `" + name + "' is not supported; ignored");
    } else if (auto it = classes_.find(name); it != classes_.end()) {
      status = generic_checks(c, it->second, reply_name, reply_class, def_acl);
    } else {
      util::msg_warn("unknown smtpd restriction: \"" + name + "\"");
      status = server_error(c);
    }
    if (c.warn_if_reject >= c.recursion) c.warn_if_reject = 0;
    if (status != CheckStatus::kDunno) break;
    if (c.defer_if_permit.active && c.defer_if_reject.active) break;
  }
  c.recursion = saved_recursion;
  if (c.warn_if_reject >= c.recursion) c.warn_if_reject = 0;
  return status;
}

}  // namespace smtpd
