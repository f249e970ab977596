#include "master/master.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

#include "libmail/mail_log.h"
#include "libmail/master_proto.h"
#include "libutil/child_process.h"
#include "libutil/log.h"
#include "libutil/privileges.h"
#include "master/signals.h"

namespace master {
namespace {

std::string hex(unsigned v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%x", v);
  return buf;
}

}  // namespace

Master::Master(MasterSettings settings) : settings_(std::move(settings)) {}

void Master::start() {
  auto owner = util::lookup_user(settings_.mail_owner);
  if (!owner) util::msg_fatal(owner.error().message);
  if (!*owner)
    util::msg_fatal("file " + settings_.config_directory + "/main.cf: parameter mail_owner: unknown user name value: " +
                    settings_.mail_owner);
  owner_uid_ = (*owner)->uid;
  owner_gid_ = (*owner)->gid;

  int flow[2];
  if (::pipe2(flow, O_CLOEXEC) < 0) util::msg_fatal(std::string("pipe: ") + std::strerror(errno));
  flow_read_.reset(flow[0]);
  flow_write_.reset(flow[1]);
  signal_fd_ = install_signal_pipe();
  open_services(true);
}

void Master::open_services(bool fatal) {
  unsigned generation = ++generation_;
  std::map<std::string, std::unique_ptr<Service>> fresh;
  auto now = Clock::now();
  for (const auto& spec : settings_.services) {
    if (fresh.count(spec.key)) continue;  // duplicate entry: first one wins
    if (spec.type == "pass") {
      util::msg_warn("service " + spec.name + " type pass: not supported -- ignored");
      continue;
    }
    std::unique_ptr<Service> service;
    auto old = services_.find(spec.key);
    if (old != services_.end() && old->second->spec.same_endpoint(spec)) {
      service = std::move(old->second);
      services_.erase(old);
    } else {
      service = std::make_unique<Service>();
    }
    bool need_lock = spec.process_limit != 1;
    service->spec = spec;
    if (!service->listen) {
      if (auto r = open_endpoint(*service, owner_uid_, owner_gid_); !r) {
        if (fatal) util::msg_fatal(r.error().message);
        util::msg_warn(r.error().message);
        continue;
      }
    } else if (need_lock && !service->lock) {
      std::string lock_path = "pid/" + spec.type + "." + spec.name;
      service->lock.reset(::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
    }
    // Closing the old channel tells the old generation to finish and exit.
    if (auto r = open_status_channel(*service, generation); !r) util::msg_fatal(r.error().message);
    service->throttled_until = {};
    service->next_wakeup = spec.wakeup_if_used ? now + std::chrono::seconds(spec.wakeup) : now;
    fresh[spec.key] = std::move(service);
  }
  // What is left in services_ was removed from master.cf or changed its
  // endpoint: its sockets close here, its processes exit when idle.
  services_ = std::move(fresh);
}

Service* Master::service_for(const Child& child) {
  auto it = services_.find(child.service_key);
  if (it == services_.end() || it->second->generation != child.generation) return nullptr;
  return it->second.get();
}

void Master::throttle(Service& service) {
  util::msg_warn(service.spec.path + ": bad command startup -- throttling");
  service.throttled_until = Clock::now() + std::chrono::seconds(settings_.service_throttle_time);
}

void Master::spawn(Service& service) {
  util::SpawnOptions options;
  options.argv = service.spec.argv;
  options.env = settings_.environment;
  options.env->push_back(std::string(mail::kMasterGenerationEnv) + "=" + hex(service.generation));
  options.fds = {{flow_read_.get(), mail::kMasterFlowReadFd},
                 {flow_write_.get(), mail::kMasterFlowWriteFd},
                 {service.status_child.get(), mail::kMasterStatusFd},
                 {service.listen.get(), mail::kMasterListenFd}};
  if (service.lock && service.spec.process_limit != 1)
    options.fds.emplace_back(service.lock.get(), mail::kMasterLockFd);
  auto child = util::ChildProcess::spawn(options);
  if (!child) {
    util::msg_warn(child.error().message);
    throttle(service);
    return;
  }
  Child entry;
  entry.pid = child->detach();
  entry.service_key = service.spec.key;
  entry.generation = service.generation;
  children_.add(entry);
  ++service.children;
  ++service.idle;
}

void Master::read_status(Service& service) {
  char buf[4096];
  ssize_t n;
  while ((n = ::read(service.status_master.get(), buf, sizeof buf)) > 0)
    service.status_buffer.append(buf, static_cast<size_t>(n));
  constexpr size_t kSize = sizeof(mail::MasterStatusMessage);
  size_t used = 0;
  for (; service.status_buffer.size() - used >= kSize; used += kSize) {
    mail::MasterStatusMessage msg;
    std::memcpy(&msg, service.status_buffer.data() + used, kSize);
    Child* child = children_.find(msg.pid);
    if (!child || service_for(*child) != &service) continue;
    bool avail = msg.avail == mail::kMasterStatAvail;
    if (avail && !child->avail) ++service.idle;
    if (!avail && child->avail) {
      --service.idle;
      ++child->use_count;
    }
    child->avail = avail;
  }
  service.status_buffer.erase(0, used);
}

void Master::reap() {
  int status = 0;
  pid_t pid;
  while ((pid = ::waitpid(-1, &status, WNOHANG)) > 0) {
    auto child = children_.remove(pid);
    if (!child) continue;
    Service* service = service_for(*child);
    if (!service) continue;  // retired generation: nothing to account
    --service->children;
    if (child->avail) --service->idle;
    bool normal = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    if (normal) continue;
    if (WIFEXITED(status)) {
      util::msg_warn("process " + service->spec.path + " pid " + std::to_string(pid) +
                     " exit status " + std::to_string(WEXITSTATUS(status)));
    } else if (WIFSIGNALED(status)) {
      util::msg_warn("process " + service->spec.path + " pid " + std::to_string(pid) +
                     " killed by signal " + std::to_string(WTERMSIG(status)));
    }
    // A process that died before serving anybody would die again: wait.
    if (child->use_count == 0) throttle(*service);
  }
}

void Master::run_wakeups(Clock::time_point now) {
  for (auto& [key, service] : services_) {
    if (service->spec.wakeup <= 0 || now < service->next_wakeup) continue;
    service->next_wakeup = now + std::chrono::seconds(service->spec.wakeup);
    if (service->throttled(now)) continue;
    if (service->spec.wakeup_if_used && service->children == 0) continue;
    send_wakeup(*service);
  }
}

void Master::reload() {
  auto fresh = load_master_settings(settings_.config_directory);
  if (!fresh) {
    util::msg_warn(fresh.error().message + " -- configuration not reloaded");
    return;
  }
  settings_ = std::move(*fresh);
  // maillog_file or syslog_name may have changed too.
  mail::MailLogOptions log;
  log.to_stderr = false;
  mail::mail_log_init(settings_.config, "master", log);
  util::msg_info("reload -- version " + settings_.mail_version + ", configuration " +
                 settings_.config_directory);
  open_services(false);
}

void Master::stop(int sig) {
  util::msg_info("terminating on signal " + std::to_string(sig));
  for (const auto& [pid, child] : children_.all()) ::kill(pid, SIGTERM);
}

int Master::run() {
  std::vector<pollfd> fds;
  std::vector<std::pair<Service*, bool>> owners;  // service, is-listen
  for (;;) {
    auto now = Clock::now();
    fds.clear();
    owners.clear();
    fds.push_back({signal_fd_, POLLIN, 0});
    owners.emplace_back(nullptr, false);
    auto wait = std::chrono::milliseconds(1000);
    for (auto& [key, service] : services_) {
      Service* s = service.get();
      fds.push_back({s->status_master.get(), POLLIN, 0});
      owners.emplace_back(s, false);
      if (s->throttled(now)) {
        wait = std::min(wait, std::chrono::duration_cast<std::chrono::milliseconds>(
                                  s->throttled_until - now) + std::chrono::milliseconds(1));
      } else if (s->idle <= 0 && !s->at_limit()) {
        fds.push_back({s->listen.get(), POLLIN, 0});
        owners.emplace_back(s, true);
      }
      if (s->spec.wakeup > 0)
        wait = std::min(wait, std::max(std::chrono::milliseconds(0),
                                       std::chrono::duration_cast<std::chrono::milliseconds>(
                                           s->next_wakeup - now)));
    }
    int n = ::poll(fds.data(), fds.size(), static_cast<int>(wait.count()));
    if (n < 0 && errno != EINTR) util::msg_fatal(std::string("poll: ") + std::strerror(errno));
    if (n > 0 && fds[0].revents) {
      for (int sig : drain_signals()) {
        if (sig == SIGCHLD) {
          reap();
        } else if (sig == SIGHUP) {
          reload();
          goto next;  // services_ changed: the pollfd list is stale
        } else if (sig == SIGTERM || sig == SIGINT) {
          stop(sig);
          return 0;
        }
      }
    }
    for (size_t i = 1; n > 0 && i < fds.size(); ++i) {
      if (!fds[i].revents) continue;
      Service* s = owners[i].first;
      if (!owners[i].second) {
        read_status(*s);
      } else if (s->idle <= 0 && !s->at_limit() && !s->throttled(Clock::now())) {
        spawn(*s);
      }
    }
    run_wakeups(Clock::now());
  next:;
  }
}

}  // namespace master
