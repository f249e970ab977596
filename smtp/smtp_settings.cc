#include "smtp/smtp_settings.h"

#include "libmail/own_addresses.h"
#include "libutil/strings.h"

namespace smtp {
namespace {

std::chrono::seconds bounded_time(const conf::Config& config, const std::string& name) {
  long value = config.get_time(name);
  if (value <= 0) {
    // Postfix waits forever; we wait long but not forever.
    long limit = config.get_time("daemon_timeout");
    return std::chrono::seconds(limit > 0 ? limit : 18000);
  }
  return std::chrono::seconds(value);
}

}  // namespace

Settings load_settings(const conf::Config& config, Protocol protocol) {
  Settings s;
  s.protocol = protocol;
  const bool lmtp = protocol == Protocol::kLmtp;
  s.prefix = lmtp ? "lmtp_" : "smtp_";
  s.name = lmtp ? "lmtp" : "smtp";
  const std::string& p = s.prefix;
  auto t = [&](const char* n) { return bounded_time(config, p + n); };
  s.timeouts.connect = t("connect_timeout");
  s.timeouts.helo = t(lmtp ? "lhlo_timeout" : "helo_timeout");
  s.timeouts.mail = t("mail_timeout");
  s.timeouts.rcpt = t("rcpt_timeout");
  s.timeouts.data_init = t("data_init_timeout");
  s.timeouts.data_xfer = t("data_xfer_timeout");
  s.timeouts.data_done = t("data_done_timeout");
  s.timeouts.quit = t("quit_timeout");
  s.timeouts.rset = t("rset_timeout");
  s.timeouts.starttls = t("starttls_timeout");
  s.timeouts.xforward = t("xforward_timeout");
  s.send_xforward = config.get_bool(p + "send_xforward_command");
  s.helo_name = config.get(p + (lmtp ? "lhlo_name" : "helo_name"));
  s.bind_address = config.get(p + "bind_address");
  s.bind_address6 = config.get(p + "bind_address6");
  s.default_port = config.get(p + "tcp_port");
  s.dns_lookups = false;
  s.native_lookups = false;
  for (const auto& how : config.get_list(p + "host_lookup")) {
    if (util::iequals(how, "dns")) s.dns_lookups = true;
    if (util::iequals(how, "native")) s.native_lookups = true;
  }
  if (config.get_bool("disable_dns_lookups")) s.dns_lookups = false;
  if (!s.dns_lookups) s.native_lookups = true;
  s.fallback_relay = config.get_list(p + "fallback_relay");
  s.mx_address_limit = config.get_int(p + "mx_address_limit");
  s.own_addresses = mail::own_addresses(config);
  s.mx_session_limit = config.get_int(p + "mx_session_limit");
  s.line_length_limit = config.get_int(p + "line_length_limit");
  long limit = config.get_int("line_length_limit");
  if (limit > s.reply_line_limit) s.reply_line_limit = limit;
  if (!lmtp) s.never_send_ehlo = config.get_bool("smtp_never_send_ehlo");
  s.skip_quit_response = config.get_bool(p + "skip_quit_response");
  s.cache_on_demand = config.get_bool(p + "connection_cache_on_demand");
  s.cache_destinations = config.get_list(p + "connection_cache_destinations");
  s.cache_time_limit = std::chrono::seconds(config.get_time(p + "connection_cache_time_limit"));
  s.reuse_count_limit = config.get_int(p + "connection_reuse_count_limit");
  s.reuse_time_limit = bounded_time(config, p + "connection_reuse_time_limit");
  s.sasl_auth_enable = config.get_bool(p + "sasl_auth_enable");
  s.myhostname = config.get("myhostname");
  return s;
}

}  // namespace smtp
