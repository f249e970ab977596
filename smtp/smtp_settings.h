// The smtp/lmtp client's parameters, read once per process through the
// parameter table. Used by every part of smtp/. The protocol decides the
// prefix: smtp_* for smtp, lmtp_* for lmtp (lmtp_lhlo_name, lmtp_tcp_port).
// Easy to get wrong: a 0 time (lmtp_connect_timeout = 0s) means "no limit"
// in Postfix, but every wait here has a deadline, so 0 becomes a long bound
// (daemon_timeout) instead of forever.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "libconf/config.h"

namespace smtp {

enum class Protocol { kSmtp, kLmtp };

struct Timeouts {
  std::chrono::seconds connect{30}, helo{300}, mail{300}, rcpt{300}, data_init{120}, data_xfer{180},
      data_done{600}, quit{300}, rset{20}, starttls{300}, xforward{300};
};

struct Settings {
  Protocol protocol = Protocol::kSmtp;
  std::string prefix = "smtp_";  // "smtp_" or "lmtp_"
  std::string name = "smtp";     // process name for messages
  Timeouts timeouts;
  std::string helo_name;  // smtp_helo_name / lmtp_lhlo_name
  std::string bind_address, bind_address6;
  std::string default_port;     // "smtp" or lmtp_tcp_port ("24")
  bool dns_lookups = true;      // smtp_host_lookup has dns and !disable_dns_lookups
  bool native_lookups = false;  // smtp_host_lookup has native
  std::vector<std::string> fallback_relay;
  long mx_address_limit = 5;
  // inet_interfaces and proxy_interfaces, normalised: an MX host with one
  // of these addresses is this machine (mail must not loop back to it).
  std::vector<std::string> own_addresses;
  long mx_session_limit = 2;
  long line_length_limit = 998;
  long reply_line_limit = 2048;   // bound for one server reply line
  long reply_lines_limit = 1000;  // bound for the lines of one reply
  bool never_send_ehlo = false;
  bool skip_quit_response = true;
  bool cache_on_demand = true;
  std::vector<std::string> cache_destinations;
  std::chrono::seconds cache_time_limit{2};
  long reuse_count_limit = 0;
  std::chrono::seconds reuse_time_limit{300};
  bool sasl_auth_enable = false;
  bool send_xforward = false;  // smtp_send_xforward_command
  std::string myhostname;
};

// Reads the settings for `protocol`; fatal (Postfix style) on a bad value.
Settings load_settings(const conf::Config& config, Protocol protocol);

}  // namespace smtp
