#include "libmail/milter_settings.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>

#include <cctype>

#include "libutil/socket.h"

namespace mail {

namespace {

// "10s", "2m", "500" (seconds): the time syntax of main.cf.
util::Result<std::chrono::milliseconds> parse_time(std::string_view text) {
  size_t i = 0;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
  if (i == 0 || i > 9 || text.size() > i + 1)
    return util::fail("bad time value: " + std::string(text));
  long n = std::stol(std::string(text.substr(0, i)));
  long unit = 1;
  if (i < text.size()) {
    switch (text[i]) {
      case 's':
        unit = 1;
        break;
      case 'm':
        unit = 60;
        break;
      case 'h':
        unit = 3600;
        break;
      case 'd':
        unit = 86400;
        break;
      case 'w':
        unit = 604800;
        break;
      default:
        return util::fail("bad time unit: " + std::string(text));
    }
  }
  return std::chrono::milliseconds(n * unit * 1000);
}

}  // namespace

util::Result<MilterDefault> parse_milter_default(std::string_view word) {
  if (word == "accept") return MilterDefault::kAccept;
  if (word == "reject") return MilterDefault::kReject;
  if (word == "tempfail") return MilterDefault::kTempfail;
  if (word == "quarantine") return MilterDefault::kQuarantine;
  return util::fail("bad milter default action: " + std::string(word));
}

std::string milter_default_name(MilterDefault d) {
  switch (d) {
    case MilterDefault::kAccept:
      return "accept";
    case MilterDefault::kReject:
      return "reject";
    case MilterDefault::kQuarantine:
      return "quarantine";
    case MilterDefault::kTempfail:
      break;
  }
  return "tempfail";
}

util::Result<std::vector<MilterSettings>> parse_milter_list(const conf::Config& config,
                                                            std::string_view parameter) {
  auto elements = config.try_get_list(parameter);
  if (!elements) return util::fail(elements.error().message);
  MilterSettings base;
  auto t = [&](const char* name) -> util::Result<std::chrono::milliseconds> {
    auto v = config.try_get_time(name);
    if (!v) return util::fail(v.error().message);
    return std::chrono::milliseconds(*v * 1000);
  };
  auto ct = t("milter_connect_timeout");
  auto mt = t("milter_command_timeout");
  auto bt = t("milter_content_timeout");
  if (!ct) return std::unexpected(ct.error());
  if (!mt) return std::unexpected(mt.error());
  if (!bt) return std::unexpected(bt.error());
  base.connect_timeout = *ct;
  base.command_timeout = *mt;
  base.content_timeout = *bt;
  auto d = parse_milter_default(config.get("milter_default_action"));
  if (!d) return std::unexpected(d.error());
  base.default_action = *d;
  std::string proto = config.get("milter_protocol");
  base.protocol = proto.empty() || !std::isdigit(static_cast<unsigned char>(proto[0]))
                      ? 6
                      : std::stoi(proto.substr(0, 1));
  std::vector<MilterSettings> out;
  for (const auto& element : *elements) {
    MilterSettings m = base;
    auto words = conf::Config::split_list(element);
    if (words.empty()) continue;
    m.name = words[0];
    for (size_t i = 1; i < words.size(); ++i) {
      const std::string& w = words[i];
      auto eq = w.find('=');
      if (eq == std::string::npos)
        return util::fail(std::string(parameter) + ": bad milter option: " + w);
      std::string key = w.substr(0, eq), value = w.substr(eq + 1);
      if (key == "connect_timeout" || key == "command_timeout" || key == "content_timeout") {
        auto v = parse_time(value);
        if (!v) return util::fail(std::string(parameter) + ": " + key + ": " + v.error().message);
        (key == "connect_timeout"   ? m.connect_timeout
         : key == "command_timeout" ? m.command_timeout
                                    : m.content_timeout) = *v;
      } else if (key == "default_action") {
        auto a = parse_milter_default(value);
        if (!a) return util::fail(std::string(parameter) + ": " + a.error().message);
        m.default_action = *a;
      } else if (key == "protocol") {
        if (value.empty() || !std::isdigit(static_cast<unsigned char>(value[0])))
          return util::fail(std::string(parameter) + ": bad milter protocol: " + value);
        m.protocol = value[0] - '0';
      } else {
        return util::fail(std::string(parameter) + ": bad milter option: " + w);
      }
    }
    out.push_back(std::move(m));
  }
  return out;
}

void resolve_milter_hosts(std::vector<MilterSettings>& milters) {
  for (auto& m : milters) {
    std::string_view spec = m.name;
    if (spec.starts_with("unix:") || spec.starts_with("local:") || spec.starts_with("/")) continue;
    if (spec.starts_with("inet:")) spec.remove_prefix(5);
    auto hp = util::split_host_port(spec);
    if (!hp || hp->host.empty()) continue;
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    if (::getaddrinfo(hp->host.c_str(), nullptr, &hints, &res) != 0 || res == nullptr) continue;
    // IPv4 first: milters configured as "localhost" usually listen there.
    const addrinfo* pick = res;
    for (const addrinfo* p = res; p; p = p->ai_next)
      if (p->ai_family == AF_INET) {
        pick = p;
        break;
      }
    char buf[INET6_ADDRSTRLEN] = {};
    const void* a =
        pick->ai_family == AF_INET6
            ? static_cast<const void*>(&reinterpret_cast<sockaddr_in6*>(pick->ai_addr)->sin6_addr)
            : static_cast<const void*>(&reinterpret_cast<sockaddr_in*>(pick->ai_addr)->sin_addr);
    if (::inet_ntop(pick->ai_family, a, buf, sizeof buf)) m.address = buf;
    ::freeaddrinfo(res);
  }
}

MilterGlobals read_milter_globals(const conf::Config& config) {
  MilterGlobals g;
  g.macros.connect = config.get("milter_connect_macros");
  g.macros.helo = config.get("milter_helo_macros");
  g.macros.mail = config.get("milter_mail_macros");
  g.macros.rcpt = config.get("milter_rcpt_macros");
  g.macros.data = config.get("milter_data_macros");
  g.macros.eoh = config.get("milter_end_of_header_macros");
  g.macros.eom = config.get("milter_end_of_data_macros");
  g.daemon_name = config.get("milter_macro_daemon_name");
  g.macro_v = config.get("milter_macro_v");
  g.myhostname = config.get("myhostname");
  return g;
}

}  // namespace mail
