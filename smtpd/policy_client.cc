// Policy delegation client (policy_client.h).
#include "smtpd/policy_client.h"

#include <strings.h>
#include <unistd.h>

#include <cstring>
#include <thread>

#include "libutil/log.h"
#include "libutil/socket.h"
#include "libutil/strings.h"

namespace smtpd {
namespace {

using Clock = std::chrono::steady_clock;

// "10s", "2m", "100" (seconds).
std::optional<long> parse_time(std::string_view text) {
  if (text.empty()) return std::nullopt;
  long value = 0;
  std::size_t i = 0;
  for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i)
    value = value * 10 + (text[i] - '0');
  if (i == 0 || value > 100000000) return std::nullopt;
  if (i == text.size()) return value;
  if (i + 1 != text.size()) return std::nullopt;
  switch (text[i]) {
    case 's':
      return value;
    case 'm':
      return value * 60;
    case 'h':
      return value * 3600;
    case 'd':
      return value * 86400;
    case 'w':
      return value * 604800;
    default:
      return std::nullopt;
  }
}

}  // namespace

util::Result<PolicyClientOptions> policy_client_options(const conf::Config& config,
                                                        std::string_view argument) {
  PolicyClientOptions o;
  auto get_time = [&](const char* name) -> util::Result<long> { return config.try_get_time(name); };
  auto t = get_time("smtpd_policy_service_timeout");
  if (!t) return std::unexpected(t.error());
  o.timeout = std::chrono::seconds(*t);
  if (auto v = get_time("smtpd_policy_service_max_idle"); v) o.max_idle = std::chrono::seconds(*v);
  if (auto v = get_time("smtpd_policy_service_max_ttl"); v) o.max_ttl = std::chrono::seconds(*v);
  if (auto v = get_time("smtpd_policy_service_retry_delay"); v)
    o.retry_delay = std::chrono::seconds(*v);
  if (auto v = config.try_get_int("smtpd_policy_service_request_limit"); v)
    o.request_limit = static_cast<int>(*v);
  if (auto v = config.try_get_int("smtpd_policy_service_try_limit"); v)
    o.try_limit = static_cast<int>(*v);
  if (auto v = config.try_get("smtpd_policy_service_default_action"); v) o.default_action = *v;
  if (auto v = config.try_get("smtpd_policy_service_policy_context"); v) o.policy_context = *v;
  if (auto v = config.try_get_int("line_length_limit"); v && *v > 0)
    o.max_line = static_cast<std::size_t>(*v);

  std::string_view arg = argument;
  if (!arg.empty() && arg.front() == '{') {
    if (arg.back() != '}') return util::fail("policy service syntax error: " + std::string(arg));
    arg = arg.substr(1, arg.size() - 2);
    auto parts = util::split(arg, ", \t\r\n");
    if (parts.empty()) return util::fail("empty policy service: \"" + std::string(argument) + "\"");
    o.endpoint = parts[0];
    for (std::size_t i = 1; i < parts.size(); ++i) {
      // default_action may contain blanks: "default_action=451 4.3.5 text"
      // would have been split; take everything after the '=' up to the end.
      std::string part = parts[i];
      auto eq = part.find('=');
      if (eq == std::string::npos)
        return util::fail("missing '=' after attribute name: \"" + part + "\"");
      std::string name = util::lowercase(util::trim(part.substr(0, eq)));
      std::string value(util::trim(part.substr(eq + 1)));
      if (name == "default_action") {
        for (std::size_t j = i + 1; j < parts.size(); ++j) value += " " + parts[j];
        o.default_action = value;
        break;
      }
      if (name == "policy_context") {
        o.policy_context = value;
        continue;
      }
      if (name == "request_limit" || name == "try_limit") {
        auto n = parse_time(value);  // digits only are accepted as is
        if (!n) return util::fail("bad numerical configuration: " + name + " = " + value);
        (name == "request_limit" ? o.request_limit : o.try_limit) = static_cast<int>(*n);
        continue;
      }
      auto secs = parse_time(value);
      if (!secs) return util::fail("bad time value or unit: " + name + " = " + value);
      if (name == "timeout")
        o.timeout = std::chrono::seconds(*secs);
      else if (name == "max_idle")
        o.max_idle = std::chrono::seconds(*secs);
      else if (name == "max_ttl")
        o.max_ttl = std::chrono::seconds(*secs);
      else if (name == "retry_delay")
        o.retry_delay = std::chrono::seconds(*secs);
      else
        return util::fail("unknown attribute name: \"" + name + "\"");
    }
  } else {
    o.endpoint = std::string(arg);
  }
  if (o.endpoint.find(':') == std::string::npos)
    return util::fail("restriction check_policy_service must be followed by transport:server");
  if (o.try_limit < 1) o.try_limit = 1;
  return o;
}

PolicyClient::PolicyClient(PolicyClientOptions options) : options_(std::move(options)) {}

std::string PolicyClient::server_name() const {
  const std::string& ep = options_.endpoint;
  for (const char* prefix : {"inet:", "unix:"})
    if (ep.rfind(prefix, 0) == 0) return ep.substr(5);
  return ep;
}

void PolicyClient::disconnect() {
  stream_.reset();
  requests_ = 0;
}

util::Result<void> PolicyClient::connect() {
  const std::string& ep = options_.endpoint;
  auto timeout = std::chrono::duration_cast<util::Timeout>(options_.timeout);
  util::Result<util::Fd> fd = util::fail("unsupported transport: " + ep);
  if (ep.rfind("unix:", 0) == 0) {
    fd = util::unix_connect(ep.substr(5), timeout);
  } else {
    std::string rest = ep.rfind("inet:", 0) == 0 ? ep.substr(5) : ep;
    auto hp = util::split_host_port(rest);
    if (!hp) return std::unexpected(hp.error());
    fd = util::inet_connect(hp->host.empty() ? "localhost" : hp->host, hp->port, timeout);
  }
  if (!fd) return std::unexpected(fd.error());
  stream_ = std::make_unique<util::Stream>(std::move(*fd), timeout);
  opened_ = Clock::now();
  last_used_ = opened_;
  requests_ = 0;
  return {};
}

util::Result<std::string> PolicyClient::query(const mail::PolicyAttrs& request) {
  mail::PolicyLimits limits;
  limits.max_line = options_.max_line;
  util::Error last{"no attempt", 0, util::ErrorKind::kOther};
  for (int attempt = 0; attempt < options_.try_limit; ++attempt) {
    if (attempt > 0 && options_.retry_delay.count() > 0)
      std::this_thread::sleep_for(options_.retry_delay);
    auto now = Clock::now();
    if (stream_ && (now - last_used_ >= options_.max_idle || now - opened_ >= options_.max_ttl ||
                    (options_.request_limit > 0 && requests_ >= options_.request_limit)))
      disconnect();
    // A connection that sat idle may have been closed by the server; an
    // error on it is retried once on a fresh one without counting a try.
    bool reused = stream_ != nullptr;
    if (!stream_) {
      if (auto c = connect(); !c) {
        last = c.error();
        std::string why =
            c.error().sys_errno ? std::strerror(c.error().sys_errno) : c.error().message;
        util::msg_warn("connect to " + server_name() + ": " + why);
        util::msg_warn("problem talking to server " + server_name() + ": " + why);
        continue;
      }
    }
    auto reply = mail::policy_query(*stream_, request, limits);
    if (!reply && reused) {
      disconnect();
      if (auto c = connect(); c) reply = mail::policy_query(*stream_, request, limits);
    }
    if (!reply) {
      last = reply.error();
      util::msg_warn("problem talking to server " + server_name() + ": " + reply.error().message);
      disconnect();
      continue;
    }
    ++requests_;
    last_used_ = Clock::now();
    return reply->action;
  }
  return std::unexpected(last);
}

}  // namespace smtpd
