// The restriction engine behind smtpd::Restrictions: the parsed lists and
// tables, and Postfix's generic_checks() evaluation with its reject,
// warn_if_reject, defer_if_permit and defer_if_reject bookkeeping.
// Internal to smtpd: restrictions.cc (stage drivers: client, helo, sender,
// relay+recipient, data, end-of-data, etrn), restriction_engine.cc (the
// evaluation loop and access-table results), restriction_checks.cc (the
// individual restrictions). Tests use it through restrictions.h only.
// Easy to get wrong: a reject inside a restriction class or an access
// table's right-hand side ends the whole evaluation, while a permit ends
// only the list it is in; configuration and lookup errors (451 4.3.x) can
// never become warnings; defer_if_permit is remembered from the client,
// helo and sender stages into the recipient stage of the same session.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "libconf/config.h"
#include "libmail/access_lookup.h"
#include "libmail/match_list.h"
#include "libmail/resolve.h"
#include "smtpd/policy_client.h"
#include "smtpd/restriction_addr_find.h"
#include "smtpd/restriction_dns.h"
#include "smtpd/restriction_list.h"
#include "smtpd/restrictions.h"

namespace smtpd {

enum class CheckStatus { kDunno, kOk, kReject };
// Postfix's MAIL_ERROR_* classes: only policy and protocol rejects may be
// softened by warn_if_reject.
enum class ErrorClass { kPolicy, kProtocol, kBounce, kSoftware, kResource, kData };

struct Deferral {
  bool active = false;
  ErrorClass error_class = ErrorClass::kPolicy;
  int code = 0;
  std::string dsn;
  std::string text;
};

// One evaluation (one on_* call).
struct CheckContext {
  CheckContext(Session& s, std::string w) : session(s), where(std::move(w)) {}
  Session& session;
  std::string where;                     // "RCPT", "CONNECT", "EHLO", ...
  std::optional<std::string> recipient;  // what recipient checks and to=<> see
  std::optional<std::string> etrn_name;
  int recursion = 0;
  int warn_if_reject = 0;
  Deferral defer_if_reject;
  Deferral defer_if_permit;
  bool recipient_maps_checked = false;
  bool sender_maps_checked = false;
  SmtpReply reply;  // the last reject
};

class RestrictionEngine final : public Restrictions {
 public:
  static util::Result<std::unique_ptr<RestrictionEngine>> build(const conf::Config& config);

  std::optional<SmtpReply> on_connect(Session& session) override;
  std::optional<SmtpReply> on_helo(Session& session) override;
  std::optional<SmtpReply> on_mail(Session& session) override;
  std::optional<SmtpReply> on_rcpt(Session& session) override;
  std::optional<SmtpReply> on_vrfy(Session& session) override;
  std::optional<SmtpReply> on_etrn(Session& session, const std::string& domain) override;
  std::optional<SmtpReply> on_data(Session& session) override;
  std::optional<SmtpReply> on_end_of_data(Session& session, long long message_size) override;
  void note_pipelining(Session& session, bool talked_ahead) override;

 private:
  explicit RestrictionEngine(const conf::Config& config);

  // restrictions.cc: the stages.
  CheckStatus check_client(CheckContext& c);
  CheckStatus check_helo(CheckContext& c);
  CheckStatus check_mail(CheckContext& c);
  CheckStatus check_rcpt(CheckContext& c, const std::string& recipient);
  CheckStatus check_etrn(CheckContext& c, const std::string& domain);
  std::optional<SmtpReply> finish(CheckContext& c, CheckStatus status) const;
  static void reset(CheckContext& c);

  // restriction_engine.cc: evaluation.
  CheckStatus generic_checks(CheckContext& c, const RestrictionList& list,
                             const std::string& reply_name, std::string_view reply_class,
                             std::string_view def_acl);
  CheckStatus reject(CheckContext& c, ErrorClass error_class, int code, std::string_view dsn,
                     const std::string& text);
  void defer_if(Deferral& d, ErrorClass error_class, int code, std::string_view dsn,
                const std::string& text);
  // DEFER_IF_PERMIT, or an immediate reject when warn_if_reject is on or the
  // tempfail action is "defer".
  CheckStatus defer_if_permit(CheckContext& c, bool defer_if_permit_action, int code,
                              std::string_view dsn, const std::string& text);
  CheckStatus dict_retry(CheckContext& c, const std::string& reply_name);
  CheckStatus server_error(CheckContext& c);
  CheckStatus table_result(CheckContext& c, const std::string& table, const std::string& value,
                           const std::string& datum, const std::string& reply_name,
                           std::string_view reply_class, std::string_view def_acl);
  void log_whatsup(const CheckContext& c, std::string_view whatsup, std::string_view text) const;
  util::Dict* table(const std::string& name) const;

  // restriction_checks.cc: the restrictions themselves.
  CheckStatus check_access(CheckContext& c, std::string_view command, const std::string& table,
                           const std::string& reply_name, std::string_view reply_class,
                           std::string_view def_acl);
  CheckStatus check_mail_access(CheckContext& c, const std::string& table,
                                const std::string& address, const std::string& reply_name,
                                std::string_view reply_class, std::string_view def_acl);
  CheckStatus check_policy_service(CheckContext& c, const std::string& server,
                                   const std::string& reply_name, std::string_view reply_class,
                                   std::string_view def_acl);
  // A mynetworks table error defers with `reply_name` (what the list checks).
  CheckStatus permit_mynetworks(CheckContext& c, const std::string& reply_name);
  CheckStatus permit_inet_interfaces(CheckContext& c);
  CheckStatus permit_auth_destination(CheckContext& c, const std::string& recipient);
  CheckStatus reject_unauth_destination(CheckContext& c, const std::string& recipient, int code,
                                        std::string_view dsn);
  CheckStatus reject_invalid_hostname(CheckContext& c, const std::string& name);
  CheckStatus reject_invalid_hostaddr(CheckContext& c, const std::string& addr);
  CheckStatus reject_non_fqdn_hostname(CheckContext& c, const std::string& name);
  CheckStatus reject_unknown_hostname(CheckContext& c, const std::string& name);
  CheckStatus reject_non_fqdn_address(CheckContext& c, const std::string& addr,
                                      std::string_view reply_class);
  CheckStatus reject_unknown_address(CheckContext& c, const std::string& addr,
                                     std::string_view reply_class);
  CheckStatus reject_rbl_addr(CheckContext& c, const std::string& rbl_domain,
                              const std::string& addr, std::string_view reply_class);
  CheckStatus reject_rbl_domain(CheckContext& c, const std::string& rbl_domain,
                                const std::string& what, std::string_view reply_class);
  CheckStatus rbl_reject_reply(CheckContext& c, const std::string& rbl_domain,
                               const std::string& what, std::string_view reply_class,
                               const std::string& txt);
  // restriction_dns_checks.cc: restrictions driven by DNS servers and
  // allow lists.
  enum class ServerSubject { kClient, kReverseClient, kHelo, kSender, kRecipient };
  struct ServerCheck {
    int type;  // ns_t_ns, ns_t_mx, ns_t_a
    ServerSubject subject;
  };
  // check_{client,reverse_client_hostname,helo,sender,recipient}_{ns,mx,a}_access.
  static std::optional<ServerCheck> server_check(std::string_view name);
  CheckStatus check_server_access_command(CheckContext& c, const std::string& command,
                                          ServerCheck check, const std::string& table,
                                          std::string_view def_acl);
  CheckStatus check_server_access(CheckContext& c, const std::string& table,
                                  const std::string& name, int type, const std::string& reply_name,
                                  std::string_view reply_class, std::string_view def_acl);
  // permit_dnswl_client (`what` an address) and permit_rhswl_client (a name).
  CheckStatus permit_dnswl(CheckContext& c, const std::string& dnswl, const std::string& what,
                           bool by_name, std::string_view reply_class);
  CheckStatus permit_mx_backup(CheckContext& c, const std::string& recipient);
  bool i_am_mx(CheckContext& c, const std::vector<std::string>& hosts,
               const std::string& reply_name);
  bool has_my_addr(CheckContext& c, const std::string& host, const std::string& reply_name);
  bool all_auth_mx_addr(CheckContext& c, const std::string& host, const std::string& reply_name);
  // An access-table answer for `datum`: its action, a lookup error (451
  // 4.3.5), or nothing (`found` false, kDunno).
  CheckStatus access_answer(CheckContext& c, const std::string& table, const mail::AccessResult& r,
                            const std::string& datum, const std::string& reply_name,
                            std::string_view reply_class, std::string_view def_acl, bool& found);

  // reject_*_sender_login_mismatch: smtpd_sender_login_maps owners of the
  // sender against the SASL login (allow_unknown: senders without owner pass).
  CheckStatus sender_login_mismatch(CheckContext& c, const std::string& sender, bool allow_unknown);
  CheckStatus check_rcpt_maps(CheckContext& c, const std::string& address,
                              std::string_view reply_class);
  CheckStatus check_recipient_rcpt_maps(CheckContext& c, const std::string& recipient);
  CheckStatus check_sender_rcpt_maps(CheckContext& c, const std::string& sender);
  mail::Resolved resolve(const std::string& address) const;

  struct Codes {
    int access_map_reject = 554, access_map_defer = 450, reject = 554, defer = 450;
    int relay = 554, local_rcpt = 550, relay_rcpt = 550, virt_mailbox = 550, virt_alias = 550;
    int non_fqdn = 504, bad_name = 501, unk_name = 450, unk_addr = 450, maps_rbl = 554;
    int mul_rcpt = 550, plaintext = 450, unk_client = 450;
  } codes_;

  RestrictionList client_, helo_, sender_, relay_, recipient_, data_, eod_, etrn_;
  std::map<std::string, RestrictionList> classes_;
  std::map<std::string, std::unique_ptr<util::Dict>> tables_;
  std::map<std::string, std::unique_ptr<PolicyClient>> policy_;
  RblCache rbl_cache_;
  std::unique_ptr<mail::MatchList> mynetworks_;
  std::string mynetworks_error_;  // why mynetworks could not be opened
  // permit_mx_backup_networks; null when empty (any primary MX will do).
  std::unique_ptr<mail::MatchList> perm_mx_networks_;
  std::string perm_mx_networks_error_;
  mail::Resolver resolver_;
  std::vector<std::string> own_addresses_;
  TableList local_rcpt_maps_, relay_rcpt_maps_, virt_mailbox_maps_, virt_alias_maps_,
      canonical_maps_, rcpt_canon_maps_, send_canon_maps_, rbl_reply_maps_, sender_login_maps_;
  mail::AccessLookupOptions access_options_;
  std::string null_access_key_ = "<>";
  std::string double_bounce_sender_ = "double-bounce";
  std::string default_rbl_reply_;
  std::string stress_;
  bool delay_reject_ = true;
  bool reject_unlisted_recipient_ = true;
  bool reject_unlisted_sender_ = false;
  bool soft_bounce_ = false;
  bool show_unknown_table_ = true;
  bool sasl_enabled_ = false;
  bool unk_name_defer_if_permit_ = true;
  bool unk_addr_defer_if_permit_ = true;

  // What a session carries from one stage to the next (reset by on_connect).
  bool defer_if_permit_client_ = false;
  bool defer_if_permit_helo_ = false;
  bool defer_if_permit_sender_ = false;
  bool illegal_pipelining_ = false;
  // Postfix's state->protocol: ESMTP once an EHLO was accepted (logs, policy).
  bool esmtp_ = false;
  long long message_size_ = 0;
  int policy_nesting_ = 0;
  std::string instance_;  // policy "instance": one value per mail transaction
  unsigned instance_seq_ = 0;
};

}  // namespace smtpd
