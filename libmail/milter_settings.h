// Milter endpoints and their settings from main.cf: smtpd_milters or
// non_smtpd_milters, each element "inet:host:port", "unix:/path" (also a
// bare "/path" or "host:port" is taken as Postfix does: unix and inet) or
// the Postfix 3 form "{ inet:host:port, connect_timeout=10s,
// default_action=accept, command_timeout=.., content_timeout=..,
// protocol=6 }". Users: smtpd (smtpd_milters), cleanup (non_smtpd_milters).
// Easy to get wrong: a unix: path of a chrooted daemon is relative to the
// chroot, as in Postfix; nothing here prefixes the queue directory.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "libconf/config.h"
#include "libutil/error.h"

namespace mail {

// What a milter that fails (down, timeout, garbage) counts as.
enum class MilterDefault { kAccept, kReject, kTempfail, kQuarantine };

struct MilterMacroLists {
  std::string connect, helo, mail, rcpt, data, eoh, eom;
};

struct MilterSettings {
  std::string name;  // the endpoint text as configured: "inet:127.0.0.1:8891"
  // inet: the host's numeric address, looked up before the chroot (no
  // /etc/hosts inside it); empty: look the name up when connecting.
  std::string address;
  std::chrono::milliseconds connect_timeout{30000};
  std::chrono::milliseconds command_timeout{30000};
  std::chrono::milliseconds content_timeout{300000};
  MilterDefault default_action = MilterDefault::kTempfail;
  int protocol = 6;
};

// The per-session constants a milter client needs besides the endpoints.
struct MilterGlobals {
  MilterMacroLists macros;
  std::string daemon_name;  // milter_macro_daemon_name
  std::string macro_v;      // milter_macro_v
  std::string myhostname;   // macro j
};

util::Result<MilterDefault> parse_milter_default(std::string_view word);
std::string milter_default_name(MilterDefault d);

// Parse the value of smtpd_milters / non_smtpd_milters. Errors name the
// offending element.
util::Result<std::vector<MilterSettings>> parse_milter_list(const conf::Config& config,
                                                            std::string_view parameter);
MilterGlobals read_milter_globals(const conf::Config& config);
// Fill `address` for inet: milters whose host is a name ("localhost").
void resolve_milter_hosts(std::vector<MilterSettings>& milters);

}  // namespace mail
