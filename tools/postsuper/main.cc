// postsuper: queue maintenance for the superuser, Postfix 3.7 compatible
// (-d/-e/-f/-h/-H/-r by queue ID, ALL or "-" for IDs on stdin; -s/-S/-p
// structure repair, also what a bare `postsuper` does). It works in
// queue_directory as mail_owner, as Postfix's does; messages go to stderr
// and the mail log. See message_ops.h and structure.h.
#include <getopt.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <string>
#include <utility>
#include <vector>

#include "libconf/config.h"
#include "libmail/mail_log.h"
#include "libmail/queue_id.h"
#include "libutil/log.h"
#include "libutil/privileges.h"
#include "tools/postsuper/message_ops.h"
#include "tools/postsuper/queue_layout.h"
#include "tools/postsuper/structure.h"

namespace {

[[noreturn]] void usage() {
  util::msg_fatal("usage: " + util::program_name() +
                  " [-c config_dir] [-d queue_id (delete)] [-e queue_id (expire)]"
                  " [-f queue_id (expire and/or un-hold)] [-h queue_id (hold)]"
                  " [-H queue_id (un-hold)] [-p (purge temporary files)]"
                  " [-r queue_id (requeue)] [-s (structure fix)]"
                  " [-S (redundant structure fix)][-v (verbose)] [queue...]");
}

std::string plural(long n) { return std::to_string(n) + (n == 1 ? " message" : " messages"); }

struct Request {
  postsuper::Action action;
  std::vector<std::string> ids;  // as given: IDs, "ALL", "-"
};

// "-" stands for the IDs on stdin, one per line.
std::vector<std::string> expand_ids(const std::vector<std::string>& given) {
  std::vector<std::string> out;
  for (const auto& id : given) {
    if (id != "-") {
      out.push_back(id);
      continue;
    }
    std::string line;
    while (std::getline(std::cin, line)) {
      auto first = line.find_first_not_of(" \t\r");
      if (first == std::string::npos) continue;
      auto last = line.find_last_not_of(" \t\r");
      out.push_back(line.substr(first, last - first + 1));
    }
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  // getopt names the program by argv[0] in its complaints; Postfix's show
  // the bare name.
  if (argc > 0) {
    if (char* slash = std::strrchr(argv[0], '/')) argv[0] = slash + 1;
  }
  util::set_program_name(argc > 0 ? argv[0] : "postsuper");

  if (::getuid() != 0) util::msg_fatal("use of this command is reserved for the superuser");

  std::string config_dir;
  std::vector<Request> requests;
  postsuper::StructureOptions structure;
  auto add = [&](postsuper::Action action, const char* id) {
    for (auto& r : requests)
      if (r.action == action) return r.ids.push_back(id);
    requests.push_back(Request{action, {id}});
  };
  int ch;
  while ((ch = ::getopt(argc, argv, "c:d:e:f:h:H:pr:sSv")) != -1) {
    switch (ch) {
      case 'c': config_dir = optarg; break;
      case 'd': add(postsuper::Action::kDelete, optarg); break;
      case 'e': add(postsuper::Action::kExpire, optarg); break;
      case 'f': add(postsuper::Action::kExpireRelease, optarg); break;
      case 'h': add(postsuper::Action::kHold, optarg); break;
      case 'H': add(postsuper::Action::kRelease, optarg); break;
      case 'p': structure.purge = true; break;
      case 'r': add(postsuper::Action::kRequeue, optarg); break;
      case 's': structure.fix = true; break;
      case 'S': structure.fix_long = true; break;
      case 'v': break;
      default: usage();
    }
  }
  // Nothing asked: check the structure and purge, as Postfix does.
  if (requests.empty() && !structure.purge && !structure.fix && !structure.fix_long)
    structure.purge = structure.fix = true;

  conf::LoadOptions load;
  load.config_dir = config_dir;
  auto config = conf::Config::load(load);
  if (!config) util::msg_fatal(config.error().message);
  mail::MailLogOptions log_options;
  log_options.to_stderr = true;
  mail::mail_log_init(*config, "postsuper", log_options);

  std::vector<std::string> queues(argv + optind, argv + argc);
  for (const auto& q : queues)
    if (!postsuper::valid_queue_name(q)) util::msg_fatal("invalid directory name: " + q);

  postsuper::Layout layout;
  layout.hash_queue_names = config->get_list("hash_queue_names");
  layout.hash_queue_depth = static_cast<int>(config->get_int("hash_queue_depth"));
  layout.long_queue_ids = config->get_bool("enable_long_queue_ids");
  if (layout.hashed("maildrop")) util::msg_fatal("maildrop queue must not be hashed");

  std::string queue_directory = config->get("queue_directory");
  if (::chdir(queue_directory.c_str()) < 0)
    util::msg_fatal("chdir " + queue_directory + ": " + std::strerror(errno));
  // The log socket first: after the switch the mail_owner may not reach it.
  mail::mail_log_connect();
  std::string owner = config->get("mail_owner");
  auto user = util::lookup_user(owner);
  if (!user || !*user) util::msg_fatal("unknown mail_owner user: " + owner);
  if (auto dropped = util::set_ugid((*user)->uid, (*user)->gid); !dropped)
    util::msg_fatal(dropped.error().message);

  if (structure.purge || structure.fix || structure.fix_long) {
    long renamed =
        postsuper::check_structure(layout, queues.empty() ? postsuper::all_queues() : queues,
                                   structure);
    if (renamed > 0) {
      util::msg_info("Renamed to match inode number: " + plural(renamed));
      util::msg_warn("QUEUE FILE NAMES WERE CHANGED TO MATCH INODE NUMBERS");
    }
  }

  postsuper::MessageOps ops(layout);
  bool any[6] = {};
  for (const auto& request : requests) {
    any[static_cast<int>(request.action)] = true;
    auto search = queues.empty() ? postsuper::default_queues(request.action) : queues;
    for (const auto& id : expand_ids(request.ids)) {
      if (id == "ALL") {
        ops.apply_all(request.action, search);
      } else if (!mail::queue_id_ok(id)) {
        util::msg_warn("invalid mail queue id: " + id);
      } else {
        ops.apply(request.action, id, search);
      }
    }
  }
  using A = postsuper::Action;
  const auto& t = ops.tally();
  if (any[static_cast<int>(A::kDelete)]) util::msg_info("Deleted: " + plural(t.deleted));
  if (any[static_cast<int>(A::kExpire)] || any[static_cast<int>(A::kExpireRelease)])
    util::msg_info("Force-expired: " + plural(t.expired));
  if (any[static_cast<int>(A::kHold)]) util::msg_info("Placed on hold: " + plural(t.held));
  if (any[static_cast<int>(A::kRelease)] || any[static_cast<int>(A::kExpireRelease)])
    util::msg_info("Released from hold: " + plural(t.released));
  if (any[static_cast<int>(A::kRequeue)]) util::msg_info("Requeued: " + plural(t.requeued));
  return 0;
}
