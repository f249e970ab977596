#include "smtpd/smtpd_service.h"

#include <memory>
#include <optional>
#include <string_view>

#include "libmail/service_client.h"
#include "libmail/single_server.h"
#include "libutil/log.h"
#include "smtpd/smtpd_session.h"

namespace smtpd {

void run(int argc, char** argv) {
  for (int i = 1; i < argc; ++i)
    if (std::string_view(argv[i]) == "-S") run_stand_alone(argc, argv);
  Settings settings;
  std::unique_ptr<Restrictions> restrictions;
  std::unique_ptr<SmtpdTls> tls;
  std::unique_ptr<SaslServer> sasl;
  std::unique_ptr<AnvilLimits> anvil;
  std::optional<ClientLists> lists;
  std::vector<mail::MilterSettings> milters;
  mail::MilterGlobals milter_globals;
  mail::ServerHooks hooks;
  hooks.pre_jail = [&](mail::Daemon& daemon) {
    settings = read_settings(daemon.config, daemon.ipc_timeout);
    auto r = Restrictions::create(daemon.config);
    if (!r) util::msg_fatal(r.error().message);
    restrictions = std::move(*r);
    auto t = SmtpdTls::create(daemon.config);
    if (!t) util::msg_fatal(t.error().message);
    tls = std::move(*t);
    auto s = SaslServer::create(daemon.config);
    if (!s) util::msg_fatal(s.error().message);
    sasl = std::move(*s);
    anvil = AnvilLimits::create(daemon.config);
    lists.emplace(ClientLists::open(daemon.config));
    auto m = mail::parse_milter_list(daemon.config, "smtpd_milters");
    if (!m) util::msg_fatal(m.error().message);
    milters = std::move(*m);
    mail::resolve_milter_hosts(milters);
    milter_globals = mail::read_milter_globals(daemon.config);
  };
  std::unique_ptr<CleanupQueue> queue;
  hooks.post_jail = [&](mail::Daemon&) {
    queue = std::make_unique<CleanupQueue>(mail::service_path("public", settings.cleanup_service),
                                           settings.ipc_timeout);
  };
  mail::single_server_main(
      argc, argv, "smtpd",
      [&](util::Stream& client, mail::Daemon& daemon) {
        Services services;
        services.config = &daemon.config;
        services.settings = &settings;
        services.restrictions = restrictions.get();
        services.tls = tls.get();
        services.sasl = sasl.get();
        services.anvil = anvil.get();
        services.lists = lists ? &*lists : nullptr;
        services.queue = queue.get();
        services.milters = &milters;
        services.milter_globals = &milter_globals;
        Engine engine(client, services, daemon.options.service_name);
        engine.run();
      },
      hooks);
}

}  // namespace smtpd
