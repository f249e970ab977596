#include "showq/showq_service.h"

#include "libmail/queue_listing.h"
#include "libmail/showq_protocol.h"
#include "libmail/single_server.h"
#include "libutil/log.h"

namespace showq {
namespace {

mail::QueueLayout layout_of(const mail::Daemon& daemon) {
  mail::QueueLayout layout;
  layout.queue_directory = ".";  // the skeleton left us in queue_directory
  layout.hash_queue_names = daemon.config.get_list("hash_queue_names");
  layout.hash_queue_depth = static_cast<int>(daemon.config.get_int("hash_queue_depth"));
  return layout;
}

void serve(util::Stream& client, mail::Daemon& daemon) {
  bool broken = false;
  mail::scan_queues(layout_of(daemon), [&](const mail::ListedMessage& msg) {
    if (broken) return;
    if (auto w = mail::write_showq_entry(client, msg); !w) broken = true;
  });
  if (broken) return;
  if (auto w = mail::write_showq_end(client); !w)
    util::msg_warn("write to client: " + w.error().message);
}

}  // namespace

int run(int argc, char** argv) { mail::single_server_main(argc, argv, "showq", serve); }

}  // namespace showq
