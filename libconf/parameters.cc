// Lookups in the generated parameter table, computed defaults and the
// per-service names of master.cf delivery services.
#include "libconf/parameters.h"

#include <unistd.h>

#include <algorithm>
#include <array>

#include "build_paths.h"
#include "libutil/log.h"

namespace conf {
namespace {

struct ServiceSuffix {
  std::string_view suffix;
  std::string_view generic;  // the parameter the synthesized one refers to
};

// Keep in step with DELIVERY_SUFFIXES in libconf/tools/gen_parameter_defaults.py.
constexpr std::array<ServiceSuffix, 16> kDeliverySuffixes = {{
    {"delivery_slot_cost", "default_delivery_slot_cost"},
    {"delivery_slot_discount", "default_delivery_slot_discount"},
    {"delivery_slot_loan", "default_delivery_slot_loan"},
    {"destination_concurrency_failed_cohort_limit",
     "default_destination_concurrency_failed_cohort_limit"},
    {"destination_concurrency_limit", "default_destination_concurrency_limit"},
    {"destination_concurrency_negative_feedback",
     "default_destination_concurrency_negative_feedback"},
    {"destination_concurrency_positive_feedback",
     "default_destination_concurrency_positive_feedback"},
    {"destination_rate_delay", "default_destination_rate_delay"},
    {"destination_recipient_limit", "default_destination_recipient_limit"},
    {"extra_recipient_limit", "default_extra_recipient_limit"},
    {"initial_destination_concurrency", "initial_destination_concurrency"},
    {"minimum_delivery_slots", "default_minimum_delivery_slots"},
    {"recipient_limit", "default_recipient_limit"},
    {"recipient_refill_delay", "default_recipient_refill_delay"},
    {"recipient_refill_limit", "default_recipient_refill_limit"},
    {"transport_rate_delay", "default_transport_rate_delay"},
}};
constexpr ServiceSuffix kTimeLimit = {"time_limit", "command_time_limit"};

bool is_delivery_command(std::string_view command) {
  return command == "smtp" || command == "lmtp" || command == "virtual" || command == "error" ||
         command == "local";
}

std::string command_dir_file(std::string_view file, std::string_view debian_usr_path) {
  std::string dir = build::kCommandDirectory;
  // A /usr install stands in for Debian's Postfix, whose newaliases and mailq
  // live in /usr/bin; anywhere else they sit beside the other commands.
  if (dir == "/usr/sbin") return std::string(debian_usr_path);
  return dir + "/" + std::string(file);
}

std::string hostname_default(const DefaultContext& context) {
  std::string host = host_name();
  if (host.find('.') != std::string::npos) return host;
  std::string domain = "localdomain";
  if (context.explicit_value && context.explicit_value("mydomain") && context.expanded)
    domain = context.expanded("mydomain");
  return host + "." + domain;
}

std::string domain_default(const DefaultContext& context) {
  std::string host;
  if (context.expanded)
    host = context.expanded("myhostname");
  else
    host = hostname_default(context);
  auto dot = host.find('.');
  if (dot == std::string::npos || dot + 1 == host.size()) return "localdomain";
  return host.substr(dot + 1);
}

std::string expanded_or_default(const DefaultContext& context, std::string_view name) {
  if (context.expanded) return context.expanded(name);
  // Without a configuration the compatibility_level is 0: these are its values.
  if (name == "mynetworks_style") return "subnet";
  if (name == "inet_interfaces") return "all";
  if (name == "inet_protocols") return "all";
  return "";
}

}  // namespace

const BuiltinParameter* find_builtin(std::string_view name) {
  auto rows = builtin_parameter_rows();
  auto it = std::lower_bound(rows.begin(), rows.end(), name,
                             [](const BuiltinParameter& row, std::string_view key) {
                               return row.name < key;
                             });
  if (it == rows.end() || it->name != name) return nullptr;
  return &*it;
}

bool is_builtin(std::string_view name) { return find_builtin(name) != nullptr; }

bool is_raw_parameter(std::string_view name) {
  static constexpr std::array<std::string_view, 9> kRaw = {
      "command_execution_directory", "default_rbl_reply",         "forward_path",
      "luser_relay",                 "mailbox_command",           "postscreen_expansion_filter",
      "postscreen_reject_footer",    "smtpd_expansion_filter",    "smtpd_reject_footer",
  };
  return std::find(kRaw.begin(), kRaw.end(), name) != kRaw.end();
}

bool is_read_only_parameter(std::string_view name) {
  return name == "process_id" || name == "process_name" || name == "service_name";
}

char default_time_unit(std::string_view name) {
  const BuiltinParameter* row = find_builtin(name);
  if (row && row->time_unit) return row->time_unit;
  return 's';
}

std::optional<std::string> builtin_default(std::string_view name, const DefaultContext& context) {
  const BuiltinParameter* row = find_builtin(name);
  if (!row) return std::nullopt;
  switch (row->source) {
    case DefaultSource::kStatic:
      return std::string(row->value);
    case DefaultSource::kHostname:
      return hostname_default(context);
    case DefaultSource::kDomain:
      return domain_default(context);
    case DefaultSource::kNetworks:
      return compute_mynetworks(expanded_or_default(context, "mynetworks_style"),
                                expanded_or_default(context, "inet_interfaces"),
                                expanded_or_default(context, "inet_protocols"));
    case DefaultSource::kProcessId:
      return std::to_string(::getpid());
    case DefaultSource::kProcessName: {
      // Postfix's process_name is argv[0]'s last component, even when the
      // program was run by a path (warnings keep the whole argv[0]).
      const std::string& name = util::program_name();
      return name.substr(name.rfind('/') + 1);
    }
    case DefaultSource::kCommandDirectory:
      return std::string(build::kCommandDirectory);
    case DefaultSource::kDaemonDirectory:
      return std::string(build::kDaemonDirectory);
    case DefaultSource::kConfigDirectory:
      return std::string(build::kConfigDirectory);
    case DefaultSource::kQueueDirectory:
      return std::string(build::kQueueDirectory);
    case DefaultSource::kDataDirectory:
      return std::string(build::kDataDirectory);
    case DefaultSource::kMetaDirectory:
      return std::string(build::kMetaDirectory);
    case DefaultSource::kSendmailPath:
      return command_dir_file("sendmail", "/usr/sbin/sendmail");
    case DefaultSource::kNewaliasesPath:
      return command_dir_file("newaliases", "/usr/bin/newaliases");
    case DefaultSource::kMailqPath:
      return command_dir_file("mailq", "/usr/bin/mailq");
  }
  return std::string(row->value);
}

std::vector<std::pair<std::string, std::string>> builtin_defaults() {
  std::vector<std::pair<std::string, std::string>> out;
  DefaultContext none;
  for (const BuiltinParameter& row : builtin_parameter_rows())
    out.emplace_back(std::string(row.name), *builtin_default(row.name, none));
  return out;
}

std::string host_name() {
  std::array<char, 256> buf{};
  if (::gethostname(buf.data(), buf.size() - 1) != 0 || buf[0] == 0) return "localhost";
  return std::string(buf.data());
}

std::vector<std::pair<std::string, std::string>> service_parameters(std::string_view service,
                                                                    std::string_view command) {
  std::vector<ServiceSuffix> suffixes;
  if (is_delivery_command(command) || command == "pipe")
    suffixes.assign(kDeliverySuffixes.begin(), kDeliverySuffixes.end());
  if (command == "pipe" || command == "spawn") suffixes.push_back(kTimeLimit);
  std::vector<std::pair<std::string, std::string>> out;
  for (const ServiceSuffix& s : suffixes) {
    std::string name = std::string(service) + "_" + std::string(s.suffix);
    // local_destination_concurrency_limit and friends are real built-ins
    // with their own defaults; a built-in always wins over a synthesized name.
    if (is_builtin(name)) continue;
    out.emplace_back(std::move(name), "$" + std::string(s.generic));
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace conf
