// smtpd's client limits through anvil (see anvil_limits.h). Replies and
// warnings as observed on Postfix 3.7.11 (docs/anvil.md lists them).
#include "smtpd/anvil_limits.h"

#include <algorithm>
#include <chrono>
#include <string>

#include "libmail/anvil_client.h"
#include "libmail/match_list.h"
#include "libutil/log.h"

namespace smtpd {
namespace {

struct Limits {
  long count = 0;
  long rate = 0;
  long message = 0;
  long recipient = 0;
  long newtls = 0;
  long auth = 0;
  bool any() const { return count || rate || message || recipient || newtls || auth; }
};

class NoLimits final : public AnvilLimits {
 public:
  std::optional<SmtpReply> on_connect(const Session&) override { return std::nullopt; }
  std::optional<SmtpReply> on_mail(const Session&) override { return std::nullopt; }
  std::optional<SmtpReply> on_rcpt(const Session&) override { return std::nullopt; }
  std::optional<SmtpReply> on_starttls(const Session&) override { return std::nullopt; }
  std::optional<SmtpReply> on_auth(const Session&) override { return std::nullopt; }
  void on_disconnect(const Session&) override {}
};

class AnvilLimitsImpl final : public AnvilLimits {
 public:
  AnvilLimitsImpl(Limits limits, mail::MatchList exceptions, std::string myhostname,
                  std::string path, std::chrono::seconds timeout)
      : limits_(limits),
        exceptions_(std::move(exceptions)),
        myhostname_(std::move(myhostname)),
        anvil_(std::move(path), timeout) {}

  std::optional<SmtpReply> on_connect(const Session& s) override {
    if (exempt(s)) return std::nullopt;
    auto c = anvil_.connect(s.service_name, s.client.addr);
    if (!c) {
      util::msg_warn(c.error().message);
      return std::nullopt;
    }
    connected_ = {s.service_name, s.client.addr};
    if (limits_.count > 0 && c->count > limits_.count) {
      util::msg_warn("Connection concurrency limit exceeded: " + std::to_string(c->count) +
                     " from " + s.client.namaddr() + " for service " + s.service_name);
      return SmtpReply{421, "4.7.0",
                       myhostname_ + " Error: too many connections from " + s.client.addr};
    }
    if (limits_.rate > 0 && c->rate > limits_.rate) {
      util::msg_warn("Connection rate limit exceeded: " + std::to_string(c->rate) + " from " +
                     s.client.namaddr() + " for service " + s.service_name);
      return SmtpReply{421, "4.7.0",
                       myhostname_ + " Error: too many connections from " + s.client.addr};
    }
    return std::nullopt;
  }

  std::optional<SmtpReply> on_mail(const Session& s) override {
    settle_tls(s);
    if (limits_.message <= 0 || exempt(s)) return std::nullopt;
    auto rate = checked(anvil_.message(s.service_name, s.client.addr));
    if (rate <= limits_.message) return std::nullopt;
    util::msg_warn("Message delivery request rate limit exceeded: " + std::to_string(rate) +
                   " from " + s.client.namaddr() + " for service " + s.service_name);
    return SmtpReply{450, "4.7.1", "Error: too much mail from " + s.client.addr};
  }

  std::optional<SmtpReply> on_rcpt(const Session& s) override {
    settle_tls(s);
    if (limits_.recipient <= 0 || exempt(s)) return std::nullopt;
    auto rate = checked(anvil_.recipient(s.service_name, s.client.addr));
    if (rate <= limits_.recipient) return std::nullopt;
    util::msg_warn("Recipient address rate limit exceeded: " + std::to_string(rate) + " from " +
                   s.client.namaddr() + " for service " + s.service_name);
    return SmtpReply{450, "4.7.1", "Error: too many recipients from " + s.client.addr};
  }

  std::optional<SmtpReply> on_starttls(const Session& s) override {
    if (limits_.newtls <= 0 || exempt(s)) return std::nullopt;
    auto rate = checked(anvil_.newtls_report(s.service_name, s.client.addr));
    if (rate <= limits_.newtls) {
      tls_pending_ = true;
      return std::nullopt;
    }
    util::msg_warn("Refusing STARTTLS request from " + s.client.namaddr() + " for service " +
                   s.service_name);
    return SmtpReply{454, "4.7.0", "Error: too many new TLS sessions from " + s.client.namaddr()};
  }

  std::optional<SmtpReply> on_tls_handshake(const Session& s) override {
    tls_pending_ = false;
    if (limits_.newtls <= 0 || exempt(s)) return std::nullopt;
    auto rate = checked(anvil_.newtls(s.service_name, s.client.addr));
    if (rate <= limits_.newtls) return std::nullopt;
    util::msg_warn("New TLS session rate limit exceeded: " + std::to_string(rate) + " from " +
                   s.client.namaddr() + " for service " + s.service_name);
    return SmtpReply{421, "4.7.0",
                     myhostname_ + " Error: too many new TLS sessions from " + s.client.namaddr()};
  }

  std::optional<SmtpReply> on_auth(const Session& s) override {
    settle_tls(s);
    if (limits_.auth <= 0 || exempt(s)) return std::nullopt;
    auto rate = checked(anvil_.auth(s.service_name, s.client.addr));
    if (rate <= limits_.auth) return std::nullopt;
    util::msg_warn("AUTH command rate limit exceeded: " + std::to_string(rate) + " from " +
                   s.client.namaddr() + " for service " + s.service_name);
    return SmtpReply{450, "4.7.1", "Error: too many AUTH commands from " + s.client.addr};
  }

  void on_disconnect(const Session& s) override {
    settle_tls(s);
    // Undo exactly what on_connect registered, whatever the session looks
    // like now.
    if (!connected_) return;
    auto [service, addr] = std::move(*connected_);
    connected_.reset();
    if (auto d = anvil_.disconnect(service, addr); !d) util::msg_warn(d.error().message);
  }

 private:
  // A STARTTLS that was let through but whose handshake was never reported
  // (an engine that does not call on_tls_handshake): count the session at
  // the next event, so the limit still bites at the next STARTTLS.
  void settle_tls(const Session& s) {
    if (!tls_pending_) return;
    tls_pending_ = false;
    checked(anvil_.newtls(s.service_name, s.client.addr));
  }

  // A rate from anvil, or 0 (no limit) when anvil cannot be reached.
  long checked(const util::Result<long>& rate) {
    if (rate) return *rate;
    util::msg_warn(rate.error().message);
    return 0;
  }

  // The exemption is decided once per client (name and address do not
  // change within a session).
  bool exempt(const Session& s) {
    std::string key = s.client.name + "[" + s.client.addr + "]";
    if (key == exempt_key_) return exempt_;
    auto match = exceptions_.match_host(s.client.name, s.client.addr);
    if (!match) {
      util::msg_warn("smtpd_client_event_limit_exceptions: " + match.error().message);
      return false;  // do not cache: try the table again next time
    }
    exempt_key_ = std::move(key);
    exempt_ = *match;
    return exempt_;
  }

  Limits limits_;
  mail::MatchList exceptions_;
  std::string myhostname_;
  mail::AnvilClient anvil_;
  std::optional<std::pair<std::string, std::string>> connected_;
  std::string exempt_key_;
  bool exempt_ = false;
  bool tls_pending_ = false;
};

}  // namespace

std::unique_ptr<AnvilLimits> AnvilLimits::create(const conf::Config& config) {
  return create(config, "private/anvil");
}

std::unique_ptr<AnvilLimits> AnvilLimits::create(const conf::Config& config,
                                                 const std::string& anvil_path) {
  Limits limits;
  limits.count = config.get_int("smtpd_client_connection_count_limit");
  limits.rate = config.get_int("smtpd_client_connection_rate_limit");
  limits.message = config.get_int("smtpd_client_message_rate_limit");
  limits.recipient = config.get_int("smtpd_client_recipient_rate_limit");
  limits.newtls = config.get_int("smtpd_client_new_tls_session_rate_limit");
  limits.auth = config.get_int("smtpd_client_auth_rate_limit");
  if (!limits.any()) return std::make_unique<NoLimits>();

  const std::string name = "smtpd_client_event_limit_exceptions";
  mail::MatchListOptions options;
  options.list_name = name;
  options.parent_domain_matches_subdomains =
      mail::parent_domain_matches(config.get("parent_domain_matches_subdomains"), name);
  auto exceptions = mail::MatchList::parse(config.get(name), options);
  if (!exceptions) util::msg_fatal(name + ": " + exceptions.error().message);
  // Postfix uses ipc_timeout for its anvil client; a stuck anvil must not
  // hold a session for an hour, so never more than a minute here.
  auto timeout = std::chrono::seconds(std::clamp(config.get_time("ipc_timeout"), 1L, 60L));
  return std::make_unique<AnvilLimitsImpl>(limits, std::move(*exceptions), config.get("myhostname"),
                                           anvil_path, timeout);
}

}  // namespace smtpd
