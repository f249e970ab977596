// conf::Config: load, precedence, lazy expansion, typed values and their
// errors (wording observed on Postfix 3.7.11 programs such as postmap).
#include <catch.hpp>

#include <cstdlib>

#include "build_paths.h"
#include "libconf/config.h"
#include "libconf/parameters.h"
#include "tests/support/log_capture.h"
#include "tests/support/temp_dir.h"

namespace {

conf::Config load(const test::TempDir& dir, const std::string& main_cf) {
  dir.write("main.cf", main_cf);
  conf::LoadOptions options;
  options.config_dir = dir.path();
  auto config = conf::Config::load(options);
  REQUIRE(config);
  return std::move(*config);
}

}  // namespace

TEST_CASE("Config reads main.cf and keeps values unexpanded until asked", "[conf]") {
  test::TempDir dir;
  auto c = load(dir, "myhostname = mail.example.com\nmyorigin = $mydomain\n");
  CHECK(*c.raw("myorigin") == "$mydomain");
  CHECK(c.get("myorigin") == "example.com");
  CHECK(c.get("mydomain") == "example.com");  // computed from myhostname
  CHECK(c.get("smtpd_banner") == "mail.example.com ESMTP Postfix");
  CHECK(c.config_directory() == dir.path());
  CHECK(c.config_directory_explicit());
  CHECK(c.main_cf_path() == dir.path() + "/main.cf");
}

TEST_CASE("Config overrides win over main.cf and are seen by later expansions", "[conf]") {
  test::TempDir dir;
  auto c = load(dir, "mydomain = example.com\nmyorigin = $mydomain\n");
  c.set_override("mydomain", "example.net");
  CHECK(c.get("myorigin") == "example.net");
  c.clear_override("mydomain");
  CHECK(c.get("myorigin") == "example.com");
}

TEST_CASE("Config computes myhostname from mydomain when the host name has no dot", "[conf]") {
  test::TempDir dir;
  auto c = load(dir, "mydomain = foo.org\n");
  std::string host = conf::host_name();
  if (host.find('.') == std::string::npos) CHECK(c.get("myhostname") == host + ".foo.org");
  auto loop = load(dir, "mydomain = $myhostname\n");
  CHECK_FALSE(loop.get("myhostname").empty());  // no endless recursion
}

TEST_CASE("Config evaluates the compatibility-level defaults", "[conf]") {
  test::TempDir dir;
  auto c = load(dir, "mydestination = a.example\n");
  CHECK(c.get("append_dot_mydomain") == "yes");
  CHECK(c.get("smtpd_relay_restrictions") == "");
  CHECK(c.get("smtputf8_enable") == "no");
  CHECK(c.get("relay_domains") == "a.example");
  CHECK(c.get("syslog_name") == "postfix");
  CHECK(c.get("smtpd_hard_error_limit") == "20");
  auto c2 = load(dir, "compatibility_level = 3.6\n");
  CHECK(c2.get("append_dot_mydomain") == "no");
  CHECK(c2.get("smtpd_relay_restrictions") ==
        "permit_mynetworks, permit_sasl_authenticated, defer_unauth_destination");
  CHECK(c2.get("relay_domains") == "");
  CHECK(c2.get("smtp_tls_fingerprint_digest") == "sha256");
}

TEST_CASE("Config knows built-ins, main.cf names and unknown names apart", "[conf]") {
  test::TempDir dir;
  auto c = load(dir, "custom_thing = 1\n");
  CHECK(c.raw("custom_thing") == "1");
  CHECK_FALSE(c.raw("nosuchparam"));
  auto e = c.expand("nosuchparam");
  REQUIRE_FALSE(e);
  CHECK(e.error().message == "nosuchparam: unknown parameter");
  CHECK(conf::Config::is_builtin("alias_maps"));
  CHECK_FALSE(conf::Config::is_builtin("custom_thing"));
  auto params = c.main_cf_parameters();
  REQUIRE(params.size() == 1);
  CHECK(params[0] == std::pair<std::string, std::string>{"custom_thing", "1"});
  auto defs = c.main_cf_definitions();
  REQUIRE(defs.size() == 1);
  CHECK(defs[0].line == 1);
}

TEST_CASE("Config::load reports a missing main.cf unless told to use defaults", "[conf]") {
  conf::LoadOptions options;
  options.config_dir = "/nonexist";
  auto c = conf::Config::load(options);
  REQUIRE_FALSE(c);
  CHECK(c.error().message == "open /nonexist/main.cf: No such file or directory");
  options.require_main_cf = false;
  auto d = conf::Config::load(options);
  REQUIRE(d);
  CHECK(d->get("mail_name") == "Postfix");
}

TEST_CASE("Config::load reports syntax errors with file and line", "[conf]") {
  test::TempDir dir;
  dir.write("main.cf", "a = 1\nnovalue\n");
  conf::LoadOptions options;
  options.config_dir = dir.path();
  auto c = conf::Config::load(options);
  REQUIRE_FALSE(c);
  CHECK(c.error().message ==
        dir.path() + "/main.cf, line 2: missing '=' after attribute name: \"novalue\"");
}

TEST_CASE("Config takes the directory from MAIL_CONFIG when -c is absent", "[conf]") {
  test::TempDir dir;
  dir.write("main.cf", "mail_name = Env\n");
  ::setenv("MAIL_CONFIG", dir.path().c_str(), 1);
  auto c = conf::Config::load({});
  CHECK(conf::Config::default_config_dir() == dir.path());
  ::unsetenv("MAIL_CONFIG");
  REQUIRE(c);
  CHECK(c->config_directory_explicit());
  CHECK(c->get("mail_name") == "Env");
  CHECK(c->get("config_directory") == dir.path());
  CHECK(conf::Config::default_config_dir() == build::kConfigDirectory);
  conf::Config plain;
  CHECK_FALSE(plain.config_directory_explicit());
  CHECK(plain.config_directory() == build::kConfigDirectory);
}

TEST_CASE("Config warns about undefined parameters only when asked", "[conf]") {
  test::TempDir dir;
  dir.write("main.cf", "smtpd_banner = x$undefined_x\n");
  conf::LoadOptions options;
  options.config_dir = dir.path();
  auto c = conf::Config::load(options);
  REQUIRE(c);
  test::LogCapture log;
  CHECK(c->get("smtpd_banner") == "x");
  CHECK(log.lines().empty());
  c->set_warn_undefined(true);
  CHECK(c->get("smtpd_banner") == "x");
  CHECK(log.contains("warning: " + dir.path() + "/main.cf: undefined parameter: undefined_x"));
}

TEST_CASE("Config leaves raw parameters unexpanded and ignores process_name in main.cf",
          "[conf]") {
  test::TempDir dir;
  auto c = load(dir, "mailbox_command = /usr/bin/procmail -a $extension\nprocess_name = x\n");
  CHECK(c.get("mailbox_command") == "/usr/bin/procmail -a $extension");
  CHECK(c.get("forward_path") ==
        "$home/.forward${recipient_delimiter}${extension}, $home/.forward");
  CHECK(c.get("process_name") != "x");
}

TEST_CASE("Config reads booleans as yes or no in any case", "[conf]") {
  test::TempDir dir;
  auto c = load(dir, "biff = YES\nallow_min_user = no\n\nenable_long_queue_ids = maybe\n"
                     "append_at_myorigin = True\n");
  CHECK(c.get_bool("biff") == true);
  CHECK(c.get_bool("allow_min_user") == false);
  CHECK(c.get_bool("strict_rfc821_envelopes") == false);  // built-in default
  auto bad = c.try_get_bool("enable_long_queue_ids");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message == dir.path() +
                                   "/main.cf, line 4: bad boolean configuration: "
                                   "enable_long_queue_ids = maybe");
  CHECK_FALSE(c.try_get_bool("append_at_myorigin"));
  c.set_override("biff", "1");
  auto over = c.try_get_bool("biff");
  REQUIRE_FALSE(over);
  CHECK(over.error().message == "bad boolean configuration: biff = 1");
}

TEST_CASE("Config reads integers and sizes as whole decimals", "[conf]") {
  test::TempDir dir;
  auto c = load(dir, "hash_queue_depth = +3\n\n\nsmtpd_timeout = abc\nline_length_limit = 010\n"
                     "message_size_limit = 1k\nmailbox_size_limit = 99999999999\n"
                     "smtpd_recipient_limit = 0x10\ndefault_process_limit = 99999999999\n");
  CHECK(c.get_int("hash_queue_depth") == 3);
  CHECK(c.get_int("line_length_limit") == 10);
  CHECK(c.get_int("smtpd_soft_error_limit") == 10);
  CHECK(c.get_int("smtpd_hard_error_limit") == 20);  // ${stress?{1}:{20}}
  CHECK(c.get_size("mailbox_size_limit") == 99999999999LL);
  CHECK(c.get_size("header_size_limit") == 102400);
  auto bad = c.try_get_int("smtpd_timeout");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message ==
        dir.path() + "/main.cf, line 4: bad numerical configuration: smtpd_timeout = abc");
  auto size = c.try_get_size("message_size_limit");
  REQUIRE_FALSE(size);
  CHECK(size.error().message ==
        dir.path() + "/main.cf, line 6: bad numerical configuration: message_size_limit = 1k");
  CHECK_FALSE(c.try_get_int("smtpd_recipient_limit"));
  CHECK_FALSE(c.try_get_int("default_process_limit"));  // does not fit an int
}

TEST_CASE("Config reads times with units and the parameter's default unit", "[conf]") {
  test::TempDir dir;
  auto c = load(dir, "maximal_queue_lifetime = 2\ndelay_warning_time = 4\nipc_timeout = 3m\n"
                     "smtpd_timeout = 1.5h\nqmgr_ipc_timeout = 10S\nminimal_backoff_time = 1w\n"
                     "maximal_backoff_time = -1\n");
  CHECK(c.get_time("maximal_queue_lifetime") == 2 * 86400);
  CHECK(c.get_time("delay_warning_time") == 4 * 3600);
  CHECK(c.get_time("ipc_timeout") == 180);
  CHECK(c.get_time("minimal_backoff_time") == 604800);
  CHECK(c.get_time("bounce_queue_lifetime") == 5 * 86400);
  CHECK(c.get_time("queue_run_delay") == 300);
  auto bad = c.try_get_time("smtpd_timeout");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message ==
        dir.path() + "/main.cf, line 4: parameter smtpd_timeout: bad time value or unit: 1.5h");
  CHECK_FALSE(c.try_get_time("qmgr_ipc_timeout"));
  CHECK_FALSE(c.try_get_time("maximal_backoff_time"));
}

TEST_CASE("Config splits lists on commas and whitespace, keeping braces together", "[conf]") {
  test::TempDir dir;
  auto c = load(dir, "mydestination = a.example,b.example  c.example,\n  /etc/postfix/dests\n"
                     "smtpd_recipient_restrictions = check_recipient_access,hash:/etc/x\n"
                     "virtual_alias_maps = inline:{a=1, b=2} { spaced value } hash:/x\n");
  CHECK(c.get_list("mydestination") ==
        std::vector<std::string>{"a.example", "b.example", "c.example", "/etc/postfix/dests"});
  CHECK(c.get_list("smtpd_recipient_restrictions") ==
        std::vector<std::string>{"check_recipient_access", "hash:/etc/x"});
  CHECK(c.get_list("virtual_alias_maps") ==
        std::vector<std::string>{"inline:{a=1, b=2}", "spaced value", "hash:/x"});
  CHECK(c.get_list("alias_maps") ==
        std::vector<std::string>{"hash:/etc/aliases", "nis:mail.aliases"});
  CHECK(c.get_list("relayhost").empty());
}

TEST_CASE("Config expansion errors are reported with their detail", "[conf]") {
  test::TempDir dir;
  auto c = load(dir, "smtpd_banner = ${mydomain\na = $b\nb = $a\n");
  auto e = c.try_get("smtpd_banner");
  REQUIRE_FALSE(e);
  CHECK(e.error().message == "truncated macro reference: \"${mydomain\"");
  CHECK(e.error().kind == util::ErrorKind::kMalformed);
  auto loop = c.expand("a");
  REQUIRE_FALSE(loop);
  CHECK(loop.error().message.starts_with("unreasonable macro call nesting"));
}

TEST_CASE("Config makes per-service parameters known when told about a service", "[conf]") {
  test::TempDir dir;
  auto c = load(dir, "default_destination_concurrency_limit = 7\n");
  CHECK_FALSE(c.raw("relay_destination_concurrency_limit"));
  c.declare_service("relay", "smtp");
  c.declare_service("bsmtp", "pipe");
  CHECK(c.is_known("relay_destination_concurrency_limit"));
  CHECK(*c.raw("relay_destination_concurrency_limit") == "$default_destination_concurrency_limit");
  CHECK(c.get_int("relay_destination_concurrency_limit") == 7);
  CHECK(c.get_time("bsmtp_time_limit") == 1000);
  CHECK(c.service_parameter_defaults().size() == 33);
  CHECK(c.defaults().size() == 831 + 33);
  auto eff = c.effective_parameters();
  CHECK(eff.size() == 831 + 33);
}
