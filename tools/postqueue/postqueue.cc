#include "tools/postqueue/postqueue.h"

#include <getopt.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "libconf/config.h"
#include "libmail/config_dir_check.h"
#include "libmail/flush_client.h"
#include "libmail/mail_log.h"
#include "libmail/queue_listing.h"
#include "libmail/queue_listing_format.h"
#include "libmail/service_client.h"
#include "libmail/showq_protocol.h"
#include "libutil/log.h"
#include "libutil/socket.h"

namespace postqueue {
namespace {

constexpr int kExUnavailable = 69;
constexpr const char* kShowqPath = "public/showq";
constexpr const char* kFlushPath = "public/flush";
constexpr const char* kDown = "Cannot flush mail queue - mail system is down";

enum class Mode { kNone, kList, kJson, kFlush, kFlushFile, kFlushSite };

[[noreturn]] void usage() {
  util::msg_fatal(
      "usage: postqueue -f | postqueue -i queueid | postqueue -j | postqueue -p | postqueue -s site");
}

void print(const std::string& text) {
  if (!text.empty()) std::fwrite(text.data(), 1, text.size(), stdout);
}

std::string errno_text(const util::Error& e) {
  return e.sys_errno ? std::strerror(e.sys_errno) : e.message;
}

void list_queue(const conf::Config& config, Mode mode) {
  mail::QueueReport report(
      mode == Mode::kJson ? mail::QueueReport::Format::kJson : mail::QueueReport::Format::kText,
      config.get_bool("enable_long_queue_ids"));
  auto show = [&](const mail::ListedMessage& msg) { print(report.add(msg)); };
  auto timeout = std::chrono::seconds(config.get_time("ipc_timeout"));
  auto stream = mail::connect_service(kShowqPath, timeout);
  if (stream) {
    if (auto r = mail::read_showq_listing(*stream, show); !r)
      util::msg_fatal("read queue listing from showq service: " + r.error().message);
  } else {
    // Root may read the queue itself; others must go through showq.
    if (::getuid() != 0) util::msg_fatal("Queue report unavailable - mail system is down");
    util::msg_warn("Mail system is down -- accessing queue directly (Connect to the Postfix "
                   "showq service: " + errno_text(stream.error()) + ")");
    mail::QueueLayout layout;
    layout.queue_directory = ".";
    layout.hash_queue_names = config.get_list("hash_queue_names");
    layout.hash_queue_depth = static_cast<int>(config.get_int("hash_queue_depth"));
    mail::scan_queues(layout, show);
  }
  print(report.finish());
  if (std::fflush(stdout) != 0 || std::ferror(stdout))
    util::msg_fatal(std::string("write error: ") + std::strerror(errno));
}

void flush_queue(const conf::Config& config) {
  std::string qmgr = "public/" + config.get("queue_service_name");
  // Flush dead sites, scan all, deferred and incoming: what Postfix writes.
  if (auto t = util::unix_trigger(qmgr, "FADI", std::chrono::seconds(5)); !t) {
    if (t.error().sys_errno == ENOENT)
      util::msg_warn("unable to look up " + qmgr + ": " + std::strerror(ENOENT));
    else
      util::msg_warn("connect to " + qmgr + ": " + errno_text(t.error()));
    util::msg_fatal(kDown);
  }
  // Mail waiting in maildrop is part of "the queue" too.
  (void)util::unix_trigger("public/" + config.get("pickup_service_name"), "W",
                           std::chrono::seconds(5));
}

void check_flush_status(mail::FlushStatus status, const std::string& what,
                        const std::string& error) {
  switch (status) {
    case mail::FlushStatus::kOk:
      return;
    case mail::FlushStatus::kDeny:
      util::msg_fatal("Flush service is not configured for destination \"" + what + "\"");
    case mail::FlushStatus::kBad:
      util::msg_fatal("Invalid request: \"" + what + "\"");
    case mail::FlushStatus::kFail:
      if (!error.empty()) util::msg_warn(error);
      util::msg_fatal(kDown);
  }
}

void flush_site(const conf::Config& config, const std::string& site) {
  auto allowed = mail::flush_domain_allowed(config, site);
  if (!allowed) util::msg_fatal(allowed.error().message);
  if (!*allowed) check_flush_status(mail::FlushStatus::kDeny, site, "");
  std::string error;
  check_flush_status(mail::flush_send_site(kFlushPath, site, &error), site, error);
}

void flush_file(const std::string& queue_id) {
  std::string error;
  check_flush_status(mail::flush_send_file(kFlushPath, queue_id, &error), queue_id, error);
}

}  // namespace

int run(int argc, char** argv) {
  util::set_program_name("postqueue");
  util::set_fatal_exit_status(kExUnavailable);
  std::string config_dir;
  Mode mode = Mode::kNone;
  std::vector<std::string> ids, sites;
  auto set_mode = [&](Mode m) {
    if (mode != Mode::kNone && mode != m) usage();
    mode = m;
  };
  int c;
  // getopt would name argv[0] (a full path); Postfix's says "postqueue".
  opterr = 0;
  while ((c = ::getopt(argc, argv, "c:fi:jps:v")) != -1) {
    switch (c) {
      case 'c':
        config_dir = optarg;
        break;
      case 'f':
        set_mode(Mode::kFlush);
        break;
      case 'i':
        set_mode(Mode::kFlushFile);
        ids.emplace_back(optarg);
        break;
      case 'j':
        set_mode(Mode::kJson);
        break;
      case 'p':
        set_mode(Mode::kList);
        break;
      case 's':
        set_mode(Mode::kFlushSite);
        sites.emplace_back(optarg);
        break;
      case 'v':
        break;
      default:
        if (optopt == 'c' || optopt == 'i' || optopt == 's')
          std::fprintf(stderr, "postqueue: option requires an argument -- '%c'\n", optopt);
        else
          std::fprintf(stderr, "postqueue: invalid option -- '%c'\n", optopt);
        usage();
    }
  }
  if (optind < argc || mode == Mode::kNone) usage();

  if (config_dir.empty() && std::getenv("MAIL_CONFIG")) config_dir = std::getenv("MAIL_CONFIG");
  // postqueue is set-gid postdrop: a user may not bring a main.cf of their own.
  if (!config_dir.empty()) mail::check_config_dir(config_dir);
  conf::LoadOptions load;
  load.config_dir = config_dir;
  load.warn = false;
  auto config = conf::Config::load(load);
  if (!config) util::msg_fatal(config.error().message);
  mail::MailLogOptions log;
  log.to_stderr = true;
  mail::mail_log_init(*config, "postqueue", log);

  std::string queue_dir = config->get("queue_directory");
  if (::chdir(queue_dir.c_str()) != 0)
    util::msg_fatal("chdir " + queue_dir + ": " + std::strerror(errno));
  mail::mail_log_connect();

  switch (mode) {
    case Mode::kList:
    case Mode::kJson:
      list_queue(*config, mode);
      break;
    case Mode::kFlush:
      flush_queue(*config);
      break;
    case Mode::kFlushFile:
      for (const auto& id : ids) flush_file(id);
      break;
    case Mode::kFlushSite:
      for (const auto& site : sites) flush_site(*config, site);
      break;
    case Mode::kNone:
      usage();
  }
  return 0;
}

}  // namespace postqueue
