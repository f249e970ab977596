// postcat: show the records of queue files, given as paths or (-q) as
// queue IDs looked up in queue_directory. Postfix 3.7 compatible options
// and output; see record_printer.h for the output rules.
#include <fcntl.h>
#include <getopt.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "build_paths.h"
#include "libmail/queue_id.h"
#include "libutil/fd.h"
#include "libutil/log.h"
#include "tools/postcat/queue_config.h"
#include "tools/postcat/record_printer.h"

namespace {

// The queues -q searches, in Postfix's order.
const std::vector<std::string> kSearchQueues = {"maildrop", "incoming", "active",
                                                "deferred", "hold",     "saved"};

[[noreturn]] void usage(const std::string& argv0) {
  util::msg_fatal("usage: " + argv0 +
                  " [-b (body text)] [-c config_dir] [-d (decimal record type)]"
                  " [-e (envelope records)] [-h (header text)] [-q (access queue)]"
                  " [-v] [file(s)...]");
}

bool all_digits(const std::string& s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  std::string argv0 = argc > 0 ? argv[0] : "postcat";
  util::set_program_name(argv0);

  postcat::PrintOptions options;
  bool any_section = false, by_queue_id = false;
  options.envelope = options.header = options.body = false;
  std::string config_dir;
  int ch;
  while ((ch = getopt(argc, argv, "bc:dehoqrs:v")) != -1) {
    switch (ch) {
      case 'b': options.body = any_section = true; break;
      case 'c': config_dir = optarg; break;
      case 'd': options.types = true; break;
      case 'e': options.envelope = any_section = true; break;
      case 'h': options.header = any_section = true; break;
      case 'o': options.offsets = true; break;
      case 'q': by_queue_id = true; break;
      case 'r': break;  // Postfix 3.7 follows pointer records either way
      case 's':
        if (!all_digits(optarg)) util::msg_fatal(std::string("bad offset: ") + optarg);
        options.start = static_cast<off_t>(std::atoll(optarg));
        break;
      case 'v': options.verbose = true; break;
      default: usage(argv0);
    }
  }
  if (!any_section) options.envelope = options.header = options.body = true;

  if (config_dir.empty()) {
    const char* env = std::getenv("MAIL_CONFIG");
    config_dir = env && *env ? env : build::kConfigDirectory;
  }
  auto config = postcat::load_queue_config(config_dir);
  if (!config) util::msg_fatal(config.error().message);

  if (by_queue_id) {
    if (::chdir(config->queue_directory.c_str()) < 0)
      util::msg_fatal("chdir " + config->queue_directory + ": " + std::strerror(errno));
    for (int i = optind; i < argc; ++i) {
      std::string id = argv[i];
      if (!mail::queue_id_ok(id)) util::msg_fatal("bad mail queue ID: " + id);
      util::Fd fd;
      std::string path;
      for (const auto& queue : kSearchQueues) {
        path = mail::queue_file_path(queue, id, config->hash_queue_names,
                                     config->hash_queue_depth);
        fd.reset(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
        if (fd) break;
      }
      if (!fd) util::msg_fatal("open queue file " + id + ": " + std::strerror(ENOENT));
      postcat::print_queue_file(fd.get(), path, options);
    }
    return 0;
  }
  if (optind >= argc) {
    postcat::print_queue_file(0, "stdin", options);
    return 0;
  }
  for (int i = optind; i < argc; ++i) {
    util::Fd fd(::open(argv[i], O_RDONLY | O_CLOEXEC));
    if (!fd) util::msg_fatal(std::string("open ") + argv[i] + ": " + std::strerror(errno));
    postcat::print_queue_file(fd.get(), argv[i], options);
  }
  return 0;
}
