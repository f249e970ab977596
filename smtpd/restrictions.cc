// smtpd::Restrictions: start-up (parse lists, open tables before the
// chroot) and the stages Postfix evaluates: client, helo, sender, then
// relay + recipient restrictions at RCPT (with smtpd_delay_reject), data,
// end-of-data and etrn. See restriction_engine.h.
#include "smtpd/restrictions.h"

#include <strings.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstdio>
#include <functional>

#include "libmail/own_addresses.h"
#include "libutil/log.h"
#include "smtpd/restriction_engine.h"
#include "smtpd/restriction_proxy_table.h"
#include "smtpd/restriction_reply.h"

namespace smtpd {
namespace {

// A table that could not be opened: every lookup fails, so mail waits
// (451) instead of the process dying, as Postfix's surrogate tables do.
class UnopenedTable final : public util::Dict {
 public:
  UnopenedTable(std::string type, std::string name, std::string why)
      : Dict(std::move(type), std::move(name)), why_(std::move(why)) {}
  util::Result<std::optional<std::string>> lookup(std::string_view) override {
    util::msg_warn(type_name() + " is unavailable. " + why_);
    return util::fail(why_);
  }

 private:
  std::string why_;
};

std::unique_ptr<util::Dict> open_table(const std::string& type_name,
                                       const std::string& queue_directory) {
  if (type_name.rfind("proxy:", 0) == 0)
    return std::make_unique<ProxymapTable>(type_name.substr(6), queue_directory);
  auto d = util::dict_open(type_name);
  if (d) return std::move(*d);
  util::msg_error(d.error().message);
  auto colon = type_name.find(':');
  return std::make_unique<UnopenedTable>(type_name.substr(0, colon), type_name.substr(colon + 1),
                                         d.error().message);
}

util::Result<TableList> open_maps(const conf::Config& config, const char* param) {
  auto list = config.try_get_list(param);
  if (!list) return std::unexpected(list.error());
  const std::string queue_directory = config.try_get("queue_directory").value_or("");
  TableList out;
  for (const auto& name : *list) {
    if (name.find(':') == std::string::npos) {
      auto type = config.try_get("default_database_type");
      out.push_back(open_table((type ? *type : std::string("hash")) + ":" + name, queue_directory));
    } else {
      out.push_back(open_table(name, queue_directory));
    }
  }
  return out;
}

bool equal_nocase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

constexpr std::string_view kRequired[] = {
    "reject_unauth_destination", "defer_unauth_destination", "reject", "defer",
    "defer_if_permit",           "check_relay_domains"};

bool has_required(const RestrictionList& list,
                  const std::map<std::string, RestrictionList>& classes, int depth) {
  if (depth > 20) return false;
  for (std::size_t i = 0; i < list.size(); ++i) {
    if (equal_nocase(list[i], "warn_if_reject") && i + 1 < list.size()) {
      ++i;
      continue;
    }
    if (equal_nocase(list[i], "permit")) return false;
    for (auto r : kRequired)
      if (equal_nocase(list[i], r)) return true;
    auto it = classes.find(list[i]);
    if (it != classes.end() && has_required(it->second, classes, depth + 1)) return true;
  }
  return false;
}

long code_param(const conf::Config& config, const char* name, long fallback) {
  auto v = config.try_get_int(name);
  return v ? *v : fallback;
}

}  // namespace

util::Result<std::unique_ptr<Restrictions>> Restrictions::create(const conf::Config& config) {
  auto engine = RestrictionEngine::build(config);
  if (!engine) return std::unexpected(engine.error());
  return std::unique_ptr<Restrictions>(std::move(*engine));
}

RestrictionEngine::RestrictionEngine(const conf::Config& config) : resolver_(config) {}

util::Result<std::unique_ptr<RestrictionEngine>> RestrictionEngine::build(
    const conf::Config& config) {
  std::unique_ptr<RestrictionEngine> e(new RestrictionEngine(config));

  auto get = [&](const char* name) -> util::Result<std::string> { return config.try_get(name); };
  auto get_bool = [&](const char* name, bool& out) -> util::Result<void> {
    auto v = config.try_get_bool(name);
    if (!v) return std::unexpected(v.error());
    out = *v;
    return {};
  };
  for (auto [name, flag] :
       {std::pair{"smtpd_delay_reject", &e->delay_reject_},
        std::pair{"smtpd_reject_unlisted_recipient", &e->reject_unlisted_recipient_},
        std::pair{"smtpd_reject_unlisted_sender", &e->reject_unlisted_sender_},
        std::pair{"soft_bounce", &e->soft_bounce_},
        std::pair{"show_user_unknown_table_name", &e->show_unknown_table_},
        std::pair{"smtpd_sasl_auth_enable", &e->sasl_enabled_}}) {
    if (auto r = get_bool(name, *flag); !r) return std::unexpected(r.error());
  }
  Codes& k = e->codes_;
  k.access_map_reject = code_param(config, "access_map_reject_code", 554);
  k.access_map_defer = code_param(config, "access_map_defer_code", 450);
  k.reject = code_param(config, "reject_code", 554);
  k.defer = code_param(config, "defer_code", 450);
  k.relay = code_param(config, "relay_domains_reject_code", 554);
  k.local_rcpt = code_param(config, "unknown_local_recipient_reject_code", 550);
  k.relay_rcpt = code_param(config, "unknown_relay_recipient_reject_code", 550);
  k.virt_mailbox = code_param(config, "unknown_virtual_mailbox_reject_code", 550);
  k.virt_alias = code_param(config, "unknown_virtual_alias_reject_code", 550);
  k.non_fqdn = code_param(config, "non_fqdn_reject_code", 504);
  k.bad_name = code_param(config, "invalid_hostname_reject_code", 501);
  k.unk_name = code_param(config, "unknown_hostname_reject_code", 450);
  k.unk_addr = code_param(config, "unknown_address_reject_code", 450);
  k.maps_rbl = code_param(config, "maps_rbl_reject_code", 554);
  k.mul_rcpt = code_param(config, "multi_recipient_bounce_reject_code", 550);
  k.plaintext = code_param(config, "plaintext_reject_code", 450);
  k.unk_client = code_param(config, "unknown_client_reject_code", 450);

  for (auto [name, out] :
       {std::pair{"smtpd_null_access_lookup_key", &e->null_access_key_},
        std::pair{"double_bounce_sender", &e->double_bounce_sender_},
        std::pair{"default_rbl_reply", &e->default_rbl_reply_}, std::pair{"stress", &e->stress_}}) {
    auto v = get(name);
    if (!v) return std::unexpected(v.error());
    *out = *v;
  }
  for (auto [name, out] :
       {std::pair{"unknown_helo_hostname_tempfail_action", &e->unk_name_defer_if_permit_},
        std::pair{"unknown_address_tempfail_action", &e->unk_addr_defer_if_permit_}}) {
    auto v = get(name);
    if (!v) return std::unexpected(v.error());
    if (*v == "defer_if_permit")
      *out = true;
    else if (*v == "defer")
      *out = false;
    else
      return util::fail(std::string("bad configuration: ") + name + " = " + *v);
  }

  auto pdms = get("parent_domain_matches_subdomains");
  if (!pdms) return std::unexpected(pdms.error());
  e->access_options_.parent_domain_matches_subdomains =
      mail::parent_domain_matches(*pdms, "smtpd_access_maps");
  auto delim = get("recipient_delimiter");
  if (!delim) return std::unexpected(delim.error());
  e->access_options_.recipient_delimiter = *delim;

  auto mynetworks = get("mynetworks");
  if (!mynetworks) return std::unexpected(mynetworks.error());
  auto ml = mail::MatchList::parse(
      *mynetworks, {"mynetworks", mail::parent_domain_matches(*pdms, "mynetworks")});
  if (ml) {
    e->mynetworks_ = std::make_unique<mail::MatchList>(std::move(*ml));
  } else {
    // As Postfix's surrogate tables: start, and defer what needs the list.
    util::msg_error("mynetworks: " + ml.error().message);
    e->mynetworks_error_ = ml.error().message;
  }
  e->own_addresses_ = mail::own_addresses(config);
  auto mx_networks = get("permit_mx_backup_networks");
  if (!mx_networks) return std::unexpected(mx_networks.error());
  if (mx_networks->find_first_not_of(" \t\r\n,") != std::string::npos) {
    auto list = mail::MatchList::parse(
        *mx_networks, {"permit_mx_backup_networks",
                       mail::parent_domain_matches(*pdms, "permit_mx_backup_networks")});
    if (list) {
      e->perm_mx_networks_ = std::make_unique<mail::MatchList>(std::move(*list));
    } else {
      util::msg_error("permit_mx_backup_networks: " + list.error().message);
      e->perm_mx_networks_error_ = list.error().message;
    }
  }

  for (auto [name, out] : {std::pair{"local_recipient_maps", &e->local_rcpt_maps_},
                           std::pair{"relay_recipient_maps", &e->relay_rcpt_maps_},
                           std::pair{"virtual_mailbox_maps", &e->virt_mailbox_maps_},
                           std::pair{"virtual_alias_maps", &e->virt_alias_maps_},
                           std::pair{"canonical_maps", &e->canonical_maps_},
                           std::pair{"recipient_canonical_maps", &e->rcpt_canon_maps_},
                           std::pair{"sender_canonical_maps", &e->send_canon_maps_},
                           std::pair{"rbl_reply_maps", &e->rbl_reply_maps_},
                           std::pair{"smtpd_sender_login_maps", &e->sender_login_maps_}}) {
    auto maps = open_maps(config, name);
    if (!maps) return std::unexpected(maps.error());
    *out = std::move(*maps);
  }

  // The lists. With compatibility_level < 1 Postfix's relay list is empty;
  // we keep the safe 3.7 list unless main.cf says otherwise (never an open
  // relay by default).
  struct ListParam {
    const char* name;
    RestrictionList* list;
  };
  const ListParam lists[] = {
      {"smtpd_client_restrictions", &e->client_},       {"smtpd_helo_restrictions", &e->helo_},
      {"smtpd_sender_restrictions", &e->sender_},       {"smtpd_relay_restrictions", &e->relay_},
      {"smtpd_recipient_restrictions", &e->recipient_}, {"smtpd_data_restrictions", &e->data_},
      {"smtpd_end_of_data_restrictions", &e->eod_},     {"smtpd_etrn_restrictions", &e->etrn_},
  };
  for (const auto& p : lists) {
    auto v = get(p.name);
    if (!v) return std::unexpected(v.error());
    *p.list = split_restrictions(*v);
  }
  if (e->relay_.empty() && !config.location("smtpd_relay_restrictions") &&
      config.raw("smtpd_relay_restrictions") == config.default_value("smtpd_relay_restrictions"))
    e->relay_ = {"permit_mynetworks", "permit_sasl_authenticated", "defer_unauth_destination"};

  auto class_names = get("smtpd_restriction_classes");
  if (!class_names) return std::unexpected(class_names.error());
  for (const auto& name : split_restrictions(*class_names)) {
    auto value = config.try_get(name);
    if (!value || value->empty())
      return util::fail("restriction class `" + name + "' needs a definition");
    e->classes_[name] = split_restrictions(*value);
  }
  e->classes_["reject_sender_login_mismatch"] = {"reject_authenticated_sender_login_mismatch",
                                                 "reject_unauthenticated_sender_login_mismatch"};

  // Open tables and policy clients before the chroot, as Postfix's
  // smtpd_check_parse does. Unknown restriction names and missing
  // arguments are not fatal: like Postfix, they make the request fail with
  // "451 4.3.5 Server configuration error" and a warning when reached.
  const std::string queue_directory = config.try_get("queue_directory").value_or("");
  auto prepare = [&](const std::string& param, const RestrictionList& list) -> util::Result<void> {
    for (std::size_t i = 0; i < list.size(); ++i) {
      const std::string& el = list[i];
      if (equal_nocase(el, "check_policy_service") && i + 1 < list.size()) {
        const std::string& arg = list[++i];
        if (!e->policy_.count(arg)) {
          auto opts = policy_client_options(config, arg);
          if (!opts) return util::fail(param + ": " + opts.error().message);
          e->policy_[arg] = std::make_unique<PolicyClient>(std::move(*opts));
        }
        continue;
      }
      if (el.find(':') != std::string::npos && !e->tables_.count(el))
        e->tables_[el] = open_table(el, queue_directory);
    }
    return {};
  };
  for (const auto& p : lists)
    if (auto r = prepare(p.name, *p.list); !r) return std::unexpected(r.error());
  for (const auto& [name, list] : e->classes_)
    if (auto r = prepare(name, list); !r) return std::unexpected(r.error());

  if (!has_required(e->recipient_, e->classes_, 0) && !has_required(e->relay_, e->classes_, 0))
    return util::fail(
        "in parameter smtpd_relay_restrictions or smtpd_recipient_restrictions, specify at "
        "least one working instance of: reject_unauth_destination, defer_unauth_destination, "
        "reject, defer, defer_if_permit or check_relay_domains");
  return e;
}

// --- stages -------------------------------------------------------------

void RestrictionEngine::reset(CheckContext& c) {
  c.recursion = 0;
  c.warn_if_reject = 0;
  c.defer_if_reject.active = false;
}

std::optional<SmtpReply> RestrictionEngine::finish(CheckContext& c, CheckStatus status) const {
  if (status == CheckStatus::kReject) return c.reply;
  return std::nullopt;
}

CheckStatus RestrictionEngine::check_client(CheckContext& c) {
  if (c.session.client.addr.empty()) return CheckStatus::kDunno;
  c.defer_if_permit.active = false;
  reset(c);
  CheckStatus status = CheckStatus::kDunno;
  if (!client_.empty())
    status =
        generic_checks(c, client_, c.session.client.namaddr(), kClassClient, "check_client_access");
  defer_if_permit_client_ = c.defer_if_permit.active;
  return status;
}

CheckStatus RestrictionEngine::check_helo(CheckContext& c) {
  if (!c.session.helo_name) return CheckStatus::kDunno;
  c.defer_if_permit.active = defer_if_permit_client_;
  reset(c);
  CheckStatus status = CheckStatus::kDunno;
  if (!helo_.empty())
    status = generic_checks(c, helo_, *c.session.helo_name, kClassHelo, "check_helo_access");
  defer_if_permit_helo_ = c.defer_if_permit.active;
  return status;
}

CheckStatus RestrictionEngine::check_mail(CheckContext& c) {
  if (!c.session.sender) return CheckStatus::kDunno;
  const std::string sender = *c.session.sender;
  c.defer_if_permit.active = defer_if_permit_client_ || defer_if_permit_helo_;
  c.sender_maps_checked = false;
  reset(c);
  CheckStatus status = CheckStatus::kDunno;
  if (!sender_.empty())
    status = generic_checks(c, sender_, sender, kClassSender, "check_sender_access");
  defer_if_permit_sender_ = c.defer_if_permit.active;
  if (reject_unlisted_sender_ && status != CheckStatus::kReject && !c.sender_maps_checked &&
      !c.session.discard && !sender.empty())
    status = check_sender_rcpt_maps(c, sender);
  return status;
}

CheckStatus RestrictionEngine::check_rcpt(CheckContext& c, const std::string& recipient) {
  if (equal_nocase(recipient, "postmaster")) return CheckStatus::kDunno;
  c.recipient = recipient;
  c.recipient_maps_checked = false;
  if (delay_reject_) {
    for (auto stage : {&RestrictionEngine::check_client, &RestrictionEngine::check_helo,
                       &RestrictionEngine::check_mail}) {
      if ((this->*stage)(c) == CheckStatus::kReject) return CheckStatus::kReject;
    }
  }
  c.defer_if_permit.active = defer_if_permit_sender_;
  reset(c);
  CheckStatus status = CheckStatus::kDunno;
  for (const RestrictionList* list : {&relay_, &recipient_}) {
    status = list->empty()
                 ? CheckStatus::kDunno
                 : generic_checks(c, *list, recipient, kClassRecipient, "check_recipient_access");
    if (status == CheckStatus::kReject) break;
  }
  if (status != CheckStatus::kReject && c.defer_if_permit.active)
    status = reject(c, c.defer_if_permit.error_class, c.defer_if_permit.code, c.defer_if_permit.dsn,
                    c.defer_if_permit.text);
  if (reject_unlisted_recipient_ && status != CheckStatus::kReject && !c.recipient_maps_checked &&
      !c.session.discard)
    status = check_recipient_rcpt_maps(c, recipient);
  return status;
}

CheckStatus RestrictionEngine::check_etrn(CheckContext& c, const std::string& domain) {
  c.etrn_name = domain;
  if (delay_reject_) {
    if (check_client(c) == CheckStatus::kReject || check_helo(c) == CheckStatus::kReject)
      return CheckStatus::kReject;
  }
  c.defer_if_permit.active = defer_if_permit_client_ || defer_if_permit_helo_;
  reset(c);
  CheckStatus status = CheckStatus::kDunno;
  if (!etrn_.empty()) status = generic_checks(c, etrn_, domain, kClassEtrn, "check_etrn_access");
  if (status != CheckStatus::kReject && c.defer_if_permit.active)
    status = reject(c, c.defer_if_permit.error_class, c.defer_if_permit.code, c.defer_if_permit.dsn,
                    c.defer_if_permit.text);
  return status;
}

std::optional<SmtpReply> RestrictionEngine::on_connect(Session& session) {
  defer_if_permit_client_ = defer_if_permit_helo_ = defer_if_permit_sender_ = false;
  illegal_pipelining_ = false;
  esmtp_ = false;
  message_size_ = 0;
  if (delay_reject_) return std::nullopt;
  CheckContext c{session, "CONNECT"};
  return finish(c, check_client(c));
}

std::optional<SmtpReply> RestrictionEngine::on_helo(Session& session) {
  std::optional<SmtpReply> reply;
  if (!delay_reject_) {
    CheckContext c{session, session.esmtp ? "EHLO" : "HELO"};
    reply = finish(c, check_helo(c));
  }
  if (!reply) esmtp_ = session.esmtp;
  return reply;
}

std::optional<SmtpReply> RestrictionEngine::on_mail(Session& session) {
  message_size_ = 0;
  {
    // Postfix's form: pid.seconds.microseconds.sequence, in hex.
    timeval tv{};
    gettimeofday(&tv, nullptr);
    char buf[96];
    snprintf(buf, sizeof buf, "%x.%lx.%lx.%x", static_cast<unsigned>(getpid()),
             static_cast<unsigned long>(tv.tv_sec), static_cast<unsigned long>(tv.tv_usec),
             instance_seq_++);
    instance_ = buf;
  }
  if (delay_reject_) return std::nullopt;
  CheckContext c{session, "MAIL"};
  return finish(c, check_mail(c));
}

std::optional<SmtpReply> RestrictionEngine::on_rcpt(Session& session) {
  CheckContext c{session, "RCPT"};
  std::string recipient = session.recipient;
  auto reply = finish(c, check_rcpt(c, recipient));
  illegal_pipelining_ = false;
  return reply;
}

std::optional<SmtpReply> RestrictionEngine::on_vrfy(Session& session) {
  CheckContext c{session, "VRFY"};
  std::string recipient = session.recipient;
  return finish(c, check_rcpt(c, recipient));
}

std::optional<SmtpReply> RestrictionEngine::on_etrn(Session& session, const std::string& domain) {
  CheckContext c{session, "ETRN"};
  return finish(c, check_etrn(c, domain));
}

std::optional<SmtpReply> RestrictionEngine::on_data(Session& session) {
  CheckContext c{session, session.last_command == "BDAT" ? "BDAT" : "DATA"};
  // Postfix names the recipient only when there is one accepted recipient.
  if (session.recipients.size() == 1) c.recipient = session.recipients.front();
  c.defer_if_permit.active = false;
  reset(c);
  CheckStatus status = CheckStatus::kDunno;
  if (!data_.empty()) status = generic_checks(c, data_, "DATA", kClassData, "");
  if (status != CheckStatus::kReject && c.defer_if_permit.active)
    status = reject(c, c.defer_if_permit.error_class, c.defer_if_permit.code, c.defer_if_permit.dsn,
                    c.defer_if_permit.text);
  illegal_pipelining_ = false;
  return finish(c, status);
}

std::optional<SmtpReply> RestrictionEngine::on_end_of_data(Session& session,
                                                           long long message_size) {
  message_size_ = message_size;
  CheckContext c{session, "END-OF-MESSAGE"};
  // Postfix names the recipient only when there is one accepted recipient.
  if (session.recipients.size() == 1) c.recipient = session.recipients.front();
  c.defer_if_permit.active = false;
  reset(c);
  CheckStatus status = CheckStatus::kDunno;
  if (!eod_.empty()) status = generic_checks(c, eod_, "END-OF-MESSAGE", kClassEod, "");
  if (status != CheckStatus::kReject && c.defer_if_permit.active)
    status = reject(c, c.defer_if_permit.error_class, c.defer_if_permit.code, c.defer_if_permit.dsn,
                    c.defer_if_permit.text);
  return finish(c, status);
}

void RestrictionEngine::note_pipelining(Session&, bool talked_ahead) {
  illegal_pipelining_ = talked_ahead;
}

}  // namespace smtpd
