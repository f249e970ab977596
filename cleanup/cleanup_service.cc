#include "cleanup/cleanup_service.h"

#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>
#include <optional>
#include <string>

#include "cleanup/cleanup_bounce.h"
#include "cleanup/cleanup_milter.h"
#include "cleanup/queue_file_writer.h"
#include "libmail/attr.h"
#include "libmail/cleanup_client.h"
#include "libmail/cleanup_process.h"
#include "libmail/multi_server.h"
#include "libmail/record.h"
#include "libmail/resolve.h"
#include "libmail/service_client.h"
#include "libutil/log.h"
#include "libutil/privileges.h"
#include "libutil/socket.h"

namespace cleanup {

namespace {

// What a cleanup process sets up once, before the jail.
struct Context {
  mail::CleanupSettings settings;
  mail::CleanupTables tables;
  // On the heap: the rewriting callbacks point at it while Context moves.
  std::unique_ptr<mail::Resolver> resolver;
  std::optional<uid_t> owner_uid;  // chown new files when running as root
  std::optional<gid_t> owner_gid;
  std::string qmgr_path;
  std::string bounce_path;
  MilterConfig milters;
};

Context make_context(mail::Daemon& d) {
  Context c;
  c.settings = mail::CleanupSettings::from_config(d.config);
  auto tables = mail::CleanupTables::open(d.config);
  if (!tables) util::msg_fatal(tables.error().message);
  c.tables = std::move(*tables);
  c.resolver = std::make_unique<mail::Resolver>(d.config);
  const mail::Resolver* resolver = c.resolver.get();
  c.tables.rewrite = [resolver](std::string_view a, bool local) {
    return resolver->rewrite_address(
        a, local ? mail::RewriteContext::kLocal : mail::RewriteContext::kRemote);
  };
  std::string myorigin = c.settings.myorigin;
  c.tables.maps.is_local_domain = [resolver, myorigin](std::string_view domain) {
    return resolver->is_local_domain(domain) || domain == myorigin;
  };
  c.tables.maps.qualify = [resolver](std::string_view a) {
    return resolver->rewrite_address(a, mail::RewriteContext::kLocal);
  };
  if (::geteuid() == 0) {
    auto owner = util::lookup_user(d.config.get("mail_owner"));
    if (owner && *owner) {
      c.owner_uid = (*owner)->uid;
      c.owner_gid = (*owner)->gid;
    }
  }
  c.qmgr_path = mail::service_path("public", d.config.get("queue_service_name"));
  c.bounce_path = mail::service_path("private", d.config.get("bounce_service_name"));
  c.milters = MilterConfig::from_config(d.config);
  return c;
}

// A missing qmgr is no failure (the file waits in incoming/ for its next
// scan); Postfix's cleanup says so in these words when the socket is absent.
void wake_qmgr(const std::string& path) {
  auto t = util::unix_trigger(path, "A", std::chrono::seconds(1));
  if (!t && t.error().sys_errno == ENOENT)
    util::msg_warn("unable to look up " + path + ": " + std::strerror(ENOENT));
}

void reply(util::Stream& client, int status, const std::string& reason,
           const std::string& failed_milters = "") {
  mail::AttrList r;
  r.add("status", status).add("reason", reason);
  if (!failed_milters.empty()) r.add("failed_milters", failed_milters);
  (void)mail::write_attrs(client, r);
}

// One whole client session.
void serve_session(util::Stream& client, const Context& ctx) {
  auto file = NewQueueFile::create(ctx.settings.long_queue_ids, ctx.owner_uid, ctx.owner_gid);
  if (!file) {
    util::msg_warn("mail_queue_enter: " + file.error().message);
    return;  // the client sees EOF: cleanup is not available
  }
  const std::string id = file->queue_id();
  mail::AttrList hello;
  hello.add("queue_id", id);
  if (!mail::write_attrs(client, hello)) return;
  auto flags_msg = mail::read_attrs(client);
  if (!flags_msg) return;
  int flags = static_cast<int>(flags_msg->get_int("flags").value_or(0));

  // Records until the empty list. A message far beyond message_size_limit
  // is read to the end but no longer kept.
  std::string data;
  bool too_big = false;
  std::vector<mail::Milter> milters;  // handed over by smtpd
  bool from_smtpd = false;
  // Milters that got DATA from smtpd but never see this message's content
  // (too big, rejected before them) get ABORT before the client hears the
  // verdict, so its next MAIL on their connection starts clean.
  auto abort_milters = [&milters] {
    for (auto& m : milters) m.abort();
  };
  long long keep_limit =
      ctx.settings.message_size_limit > 0 ? ctx.settings.message_size_limit + 1024 * 1024 : -1;
  for (;;) {
    auto msg = mail::read_attrs(client);
    if (!msg) {
      util::msg_warn(id + ": " + "unexpected EOF from client: " + msg.error().message);
      return;
    }
    if (msg->empty()) break;
    if (auto count = msg->get_int("milters")) {
      auto got = receive_milters(client, static_cast<long>(*count));
      if (!got) {
        util::msg_warn(id + ": receive milters: " + got.error().message);
        return;
      }
      for (auto& m : *got) milters.push_back(std::move(m));
      from_smtpd = true;
      continue;
    }
    auto chunk = msg->get_string("records");
    if (!chunk) {
      reply(client, mail::kCleanupStatBad, "");
      return;
    }
    if (keep_limit >= 0 && static_cast<long long>(data.size() + chunk->size()) > keep_limit) {
      too_big = true;
      continue;
    }
    data += *chunk;
  }

  int status = 0;
  std::string reason;
  if (too_big) {
    abort_milters();
    status = mail::kCleanupStatSize;
  } else {
    auto records = mail::parse_records(data);
    if (!records) {
      util::msg_warn(id + ": " + records.error().message);
      abort_milters();
      status = mail::kCleanupStatBad;
    } else {
      struct timeval now;
      ::gettimeofday(&now, nullptr);
      auto outcome = mail::cleanup_process(*records, flags, id, now.tv_sec, now.tv_usec,
                                           ctx.settings, ctx.tables);
      std::string failed_milters;
      if (outcome.status == 0 && !outcome.discard) {
        failed_milters = run_milters(milters, from_smtpd, flags, id, ctx.milters, ctx.settings,
                                     ctx.tables, outcome);
      } else {
        abort_milters();
      }
      for (const auto& w : outcome.warnings) util::msg_warn(id + ": " + w);
      for (const auto& line : outcome.log) util::msg_info(id + ": " + line);
      status = outcome.status;
      reason = outcome.reason;
      if (status == 0 && outcome.discard) {
        file->remove();
        reply(client, 0, "", failed_milters);
        return;
      }
      // Content verdicts on mail nobody waits for go back to the sender.
      constexpr int kBounceable =
          mail::kCleanupStatCont | mail::kCleanupStatHopc | mail::kCleanupStatSize;
      if ((flags & mail::kCleanupFlagBounce) && (status & kBounceable) &&
          !(status & ~kBounceable) && !outcome.discard) {
        if (bounce_rejected(*file, outcome, ctx.bounce_path)) {
          reply(client, 0, "", failed_milters);
          return;
        }
      }
      if (status == 0) {
        auto bytes = mail::build_queue_file(outcome.message);
        if (auto c = file->commit(bytes, outcome.hold); !c) {
          util::msg_warn(id + ": " + c.error().message);
          status = mail::kCleanupStatWrite;
        } else {
          if (!outcome.hold) wake_qmgr(ctx.qmgr_path);
          reply(client, 0, "", failed_milters);
          return;
        }
      }
    }
  }
  file->remove();
  reply(client, status, reason);
}

}  // namespace

int run(int argc, char** argv) {
  std::optional<Context> ctx;
  mail::MultiHooks hooks;
  hooks.pre_jail = [&ctx](mail::Daemon& d) { ctx.emplace(make_context(d)); };
  hooks.on_connect = [&ctx](util::Stream& client, mail::Daemon&) {
    serve_session(client, *ctx);
    return false;
  };
  // Every session is served whole when the client connects.
  mail::multi_server_main(
      argc, argv, "cleanup", [](util::Stream&, mail::Daemon&) { return false; }, hooks);
}

}  // namespace cleanup
