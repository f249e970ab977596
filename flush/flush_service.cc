#include "flush/flush_service.h"

#include <sys/stat.h>
#include <unistd.h>

#include <ctime>
#include <memory>
#include <optional>
#include <string>

#include "flush/flush_logs.h"
#include "libmail/attr.h"
#include "libmail/flush_client.h"
#include "libmail/match_list.h"
#include "libmail/queue_id.h"
#include "libmail/single_server.h"
#include "libutil/dir_walk.h"
#include "libutil/log.h"
#include "libutil/socket.h"

namespace fast_flush {
namespace {

struct State {
  std::optional<mail::MatchList> domains;
  Layout layout;
  std::string qmgr_path;
  long refresh_time = 12 * 3600;
  long purge_time = 7 * 86400;
};

void open_config(State& state, const mail::Daemon& daemon) {
  const conf::Config& config = daemon.config;
  mail::MatchListOptions options;
  options.list_name = "fast_flush_domains";
  options.parent_domain_matches_subdomains = mail::parent_domain_matches(
      config.get("parent_domain_matches_subdomains"), "fast_flush_domains");
  auto list = mail::MatchList::parse(config.get("fast_flush_domains"), options);
  if (!list) util::msg_fatal(list.error().message);
  state.domains.emplace(std::move(*list));
  state.layout.hash_queue_names = config.get_list("hash_queue_names");
  state.layout.hash_queue_depth = static_cast<int>(config.get_int("hash_queue_depth"));
  state.qmgr_path = "public/" + config.get("queue_service_name");
  state.refresh_time = config.get_time("fast_flush_refresh_time");
  state.purge_time = config.get_time("fast_flush_purge_time");
}

mail::FlushStatus site_allowed(const State& state, const std::string& site) {
  auto ok = state.domains->match_domain(site);
  if (!ok) {
    util::msg_warn("fast_flush_domains: " + ok.error().message);
    return mail::FlushStatus::kFail;
  }
  return *ok ? mail::FlushStatus::kOk : mail::FlushStatus::kDeny;
}

void wake_qmgr(const State& state, int moved) {
  if (moved == 0) return;
  if (auto t = util::unix_trigger(state.qmgr_path, "I", std::chrono::seconds(5)); !t)
    util::msg_warn(t.error().message);
}

mail::FlushStatus send_path(const State& state, const std::string& path) {
  auto moved = send_log(state.layout, path);
  if (!moved) {
    util::msg_warn(moved.error().message);
    return mail::FlushStatus::kFail;
  }
  wake_qmgr(state, *moved);
  return mail::FlushStatus::kOk;
}

// Every log file under flush/ (hashed subdirectories included).
void each_log(const std::string& dir,
              const std::function<void(const std::string&, const struct stat&)>& fn) {
  (void)util::walk_dir(dir, {}, [&](const util::DirEntry& e) {
    if (S_ISREG(e.st.st_mode)) fn(e.path, e.st);
  });
}

mail::FlushStatus refresh(const State& state, bool all) {
  std::time_t now = std::time(nullptr);
  mail::FlushStatus status = mail::FlushStatus::kOk;
  each_log("flush", [&](const std::string& path, const struct stat& st) {
    long age = static_cast<long>(now - st.st_mtime);
    if (st.st_size == 0) {
      // Nobody has deferred mail for this site for a long time.
      if (age > state.purge_time) ::unlink(path.c_str());
      return;
    }
    if (all || age > state.refresh_time) {
      if (send_path(state, path) != mail::FlushStatus::kOk) status = mail::FlushStatus::kFail;
    }
  });
  return status;
}

mail::FlushStatus handle(const State& state, const mail::AttrList& req) {
  auto request = req.get_string("request");
  if (!request) return mail::FlushStatus::kBad;
  auto site = req.get_string("site");
  auto queue_id = req.get_string("queue_id");
  if (*request == "add" || *request == "send_site") {
    if (!site) return mail::FlushStatus::kBad;
    auto path = site_log_path(state.layout, *site);
    if (!path) return mail::FlushStatus::kBad;
    if (auto ok = site_allowed(state, *site); ok != mail::FlushStatus::kOk) return ok;
    if (*request == "send_site") return send_path(state, *path);
    if (!queue_id || !mail::queue_id_ok(*queue_id)) return mail::FlushStatus::kBad;
    if (auto a = append_to_log(*path, *queue_id); !a) {
      util::msg_warn(a.error().message);
      return mail::FlushStatus::kFail;
    }
    return mail::FlushStatus::kOk;
  }
  if (*request == "send_file") {
    if (!queue_id || !mail::queue_id_ok(*queue_id)) return mail::FlushStatus::kBad;
    wake_qmgr(state, send_one(state.layout, *queue_id) ? 1 : 0);
    return mail::FlushStatus::kOk;
  }
  if (*request == "refresh") return refresh(state, false);
  if (*request == "purge") return refresh(state, true);
  return mail::FlushStatus::kBad;
}

}  // namespace

int run(int argc, char** argv) {
  auto state = std::make_shared<State>();
  mail::ServerHooks hooks;
  hooks.pre_jail = [state](mail::Daemon& daemon) { open_config(*state, daemon); };
  mail::single_server_main(
      argc, argv, "flush",
      [state](util::Stream& client, mail::Daemon&) {
        auto req = mail::read_attrs(client);
        if (!req) {
          // master's "W" wake-up (or a client that went away): housekeeping.
          refresh(*state, false);
          return;
        }
        mail::AttrList reply;
        reply.add("status", static_cast<int>(handle(*state, *req)));
        if (auto w = mail::write_attrs(client, reply); !w)
          util::msg_warn("write to client: " + w.error().message);
      },
      hooks);
}

}  // namespace fast_flush
