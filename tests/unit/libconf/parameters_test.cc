// The built-in parameter table and the per-service names, against the
// `postconf -d` output of Postfix 3.7.11 (tests/data/conf/postconf-d.txt).
#include <catch.hpp>

#include <unistd.h>

#include <fstream>
#include <map>
#include <set>

#include "build_paths.h"
#include "libconf/parameters.h"
#include "tests/support/paths.h"

namespace {

std::map<std::string, std::string> oracle_defaults() {
  std::map<std::string, std::string> out;
  std::ifstream in(test::data_file("conf/postconf-d.txt"));
  std::string line;
  while (std::getline(in, line)) {
    auto eq = line.find(" =");
    REQUIRE(eq != std::string::npos);
    std::string value = line.substr(eq + 2);
    if (!value.empty() && value[0] == ' ') value.erase(0, 1);
    out[line.substr(0, eq)] = value;
  }
  return out;
}

// Services of Debian's master.cf as (name, command) without needing the
// master.cf parser: the first and eighth fields of each entry line.
std::vector<std::pair<std::string, std::string>> debian_services() {
  std::vector<std::pair<std::string, std::string>> out;
  std::ifstream in(test::data_file("conf/master.cf.debian"));
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#' || line[0] == ' ' || line[0] == '\t') continue;
    std::vector<std::string> fields;
    size_t i = 0;
    while (i < line.size()) {
      while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
      size_t start = i;
      while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
      if (i > start) fields.push_back(line.substr(start, i - start));
    }
    if (fields.size() >= 8) out.emplace_back(fields[0], fields[7]);
  }
  return out;
}

}  // namespace

TEST_CASE("the table holds Postfix 3.7's 831 built-in parameters in byte order", "[conf]") {
  auto rows = conf::builtin_parameter_rows();
  CHECK(rows.size() == 831);
  for (size_t i = 1; i < rows.size(); ++i) CHECK(rows[i - 1].name < rows[i].name);
  CHECK(rows.front().name == "2bounce_notice_recipient");
  CHECK(conf::is_builtin("smtpd_banner"));
  CHECK_FALSE(conf::is_builtin("relay_destination_concurrency_limit"));
  CHECK_FALSE(conf::is_builtin("nosuchparam"));
}

TEST_CASE("built-in defaults are the unexpanded values postconf -d prints", "[conf]") {
  auto oracle = oracle_defaults();
  auto defaults = conf::builtin_defaults();
  REQUIRE(defaults.size() == 831);
  const std::set<std::string> host_or_build = {
      "myhostname",     "mydomain",        "mynetworks",      "process_id",
      "process_name",   "command_directory", "daemon_directory", "config_directory",
      "queue_directory", "data_directory",  "meta_directory",  "sendmail_path",
      "newaliases_path", "mailq_path"};
  int compared = 0;
  for (const auto& [name, value] : defaults) {
    if (host_or_build.contains(name)) continue;
    INFO(name);
    REQUIRE(oracle.contains(name));
    CHECK(value == oracle[name]);
    ++compared;
  }
  CHECK(compared == 831 - 14);
  std::map<std::string, std::string> d(defaults.begin(), defaults.end());
  CHECK(d["alias_maps"] == "hash:/etc/aliases, nis:mail.aliases");
  CHECK(d["relay_domains"] == "${{$compatibility_level} <level {2} ? {$mydestination} : {}}");
  CHECK(d["smtpd_relay_restrictions"] ==
        "${{$compatibility_level} <level {1} ? {} : {permit_mynetworks, "
        "permit_sasl_authenticated, defer_unauth_destination}}");
  CHECK(d["syslog_name"] == "${multi_instance_name?{$multi_instance_name}:{postfix}}");
  CHECK(d["smtpd_forbidden_commands"] == "CONNECT GET POST regexp:{{/^[^A-Z]/ Bogus}}");
  CHECK(d["mail_version"] == "3.7.11");
  CHECK(d["compatibility_level"] == "0");
  CHECK(d["relayhost"] == "");
}

TEST_CASE("path defaults come from the build and host defaults from the machine", "[conf]") {
  std::map<std::string, std::string> d;
  for (auto& [n, v] : conf::builtin_defaults()) d[n] = v;
  CHECK(d["command_directory"] == build::kCommandDirectory);
  CHECK(d["daemon_directory"] == build::kDaemonDirectory);
  CHECK(d["config_directory"] == build::kConfigDirectory);
  CHECK(d["queue_directory"] == build::kQueueDirectory);
  CHECK(d["data_directory"] == build::kDataDirectory);
  CHECK(d["meta_directory"] == build::kMetaDirectory);
  if (std::string(build::kCommandDirectory) != "/usr/sbin")
    CHECK(d["sendmail_path"] == std::string(build::kCommandDirectory) + "/sendmail");
  std::string host = conf::host_name();
  if (host.find('.') == std::string::npos) {
    CHECK(d["myhostname"] == host + ".localdomain");
    CHECK(d["mydomain"] == "localdomain");
  } else {
    CHECK(d["myhostname"] == host);
  }
  CHECK(d["mynetworks"].find("127.0.0.0/8") != std::string::npos);
  CHECK(d["process_id"] == std::to_string(::getpid()));
}

TEST_CASE("mynetworks follows mynetworks_style, inet_interfaces and inet_protocols", "[conf]") {
  CHECK(conf::compute_mynetworks("subnet", "loopback-only", "ipv4") == "127.0.0.0/8");
  CHECK(conf::compute_mynetworks("host", "127.0.0.1", "all") == "127.0.0.1/32");
  CHECK(conf::compute_mynetworks("class", "127.0.0.1", "all") == "127.0.0.0/8");
  std::string all = conf::compute_mynetworks("subnet", "all", "all");
  // IPv4 networks come first, IPv6 ones in brackets after them.
  auto v6 = all.find('[');
  if (v6 != std::string::npos) CHECK(all.find('.', v6) == std::string::npos);
}

TEST_CASE("time parameters know their default unit", "[conf]") {
  CHECK(conf::default_time_unit("maximal_queue_lifetime") == 'd');
  CHECK(conf::default_time_unit("bounce_queue_lifetime") == 'd');
  CHECK(conf::default_time_unit("delay_warning_time") == 'h');
  CHECK(conf::default_time_unit("smtpd_timeout") == 's');
  CHECK(conf::default_time_unit("ipc_timeout") == 's');
  CHECK(conf::default_time_unit("postscreen_dnsbl_max_ttl") == 'h');
  CHECK(conf::default_time_unit("relay_destination_rate_delay") == 's');
}

TEST_CASE("delivery services get 16 per-service parameters, pipe 17, spawn 1", "[conf]") {
  auto smtp = conf::service_parameters("relay", "smtp");
  REQUIRE(smtp.size() == 16);
  std::map<std::string, std::string> m(smtp.begin(), smtp.end());
  CHECK(m["relay_destination_concurrency_limit"] == "$default_destination_concurrency_limit");
  CHECK(m["relay_initial_destination_concurrency"] == "$initial_destination_concurrency");
  CHECK(m["relay_transport_rate_delay"] == "$default_transport_rate_delay");
  auto pipe = conf::service_parameters("bsmtp", "pipe");
  REQUIRE(pipe.size() == 17);
  std::map<std::string, std::string> p(pipe.begin(), pipe.end());
  CHECK(p["bsmtp_time_limit"] == "$command_time_limit");
  auto spawn = conf::service_parameters("policy", "spawn");
  REQUIRE(spawn.size() == 1);
  CHECK(spawn[0] == std::pair<std::string, std::string>{"policy_time_limit", "$command_time_limit"});
  CHECK(conf::service_parameters("local", "local").size() == 14);  // two are built-ins
  CHECK(conf::service_parameters("smtp", "smtpd").empty());
  CHECK(conf::service_parameters("discard", "discard").empty());
}

TEST_CASE("Debian's master.cf services add the 212 names postconf -d shows", "[conf]") {
  auto oracle = oracle_defaults();
  std::map<std::string, std::string> synthesized;
  for (const auto& [service, command] : debian_services())
    for (auto& [n, v] : conf::service_parameters(service, command)) synthesized[n] = v;
  CHECK(synthesized.size() == 212);
  for (const auto& [name, value] : synthesized) {
    INFO(name);
    CHECK(oracle[name] == value);
  }
  CHECK(oracle.size() == 831 + synthesized.size());
}
