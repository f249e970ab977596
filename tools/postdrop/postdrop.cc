// postdrop: creates maildrop/ID (mode 0644 while writing, 0744 when
// complete: the execute bit tells pickup the file is whole), writes the T
// record, copies sendmail's records while checking their order, fsyncs and
// wakes pickup through public/pickup. It answers sendmail on stdout with
// Postfix's attribute stream: "protocol\0postdrop_protocol\0\0", then
// "queue_id\0ID\0\0" before reading, "status\0" "0\0reason\0\0\0" at the end.
// Easy to get wrong: input that ends cleanly before E means sendmail gave up
// (no recipients, a fatal): remove the file and exit quietly; a malformed
// stream removes the file and dies with "uid=N: ..." as Postfix does. The
// file is named "USEC.PID" first and renamed to its queue ID once its inode
// is known (the ID contains the inode).
#include "tools/postdrop/postdrop.h"

#include <fcntl.h>
#include <getopt.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <chrono>
#include <cstring>
#include <string>

#include "libconf/config.h"
#include "libmail/config_dir_check.h"
#include "libmail/queue_id.h"
#include "libmail/record.h"
#include "libutil/fd.h"
#include "libutil/log.h"
#include "libutil/os.h"
#include "libutil/socket.h"

namespace postdrop {
namespace {

// Bounds on what a submitter may send: no record longer than
// line_length_limit (this when that is 0), and no more input than
// message_size_limit plus room for the envelope.
constexpr std::size_t kMaxRecord = 1 << 20;
constexpr long long kEnvelopeSlack = 1 << 20;

// The maildrop file being written; removed on every failure path (msg_fatal
// exits without running destructors, so fail() unlinks first).
struct DropFile {
  std::string path;
  util::Fd fd;
  bool keep = false;
  [[noreturn]] void fail(const std::string& text) {
    if (!path.empty() && !keep) ::unlink(path.c_str());
    util::msg_fatal(text);
  }
  void discard() {
    if (!path.empty() && !keep) ::unlink(path.c_str());
  }
};

void reply(std::string_view bytes) {
  // A vanished sendmail does not matter to the queue file.
  (void)util::os::write_all(1, bytes, "stdout");
}

std::string attr(std::string_view name, std::string_view value) {
  std::string s(name);
  s += '\0';
  s += value;
  s += '\0';
  return s;
}

// Which record types may follow in each part of the stream.
enum class Part { kEnvelope, kContent, kExtracted };

bool allowed(Part part, char type) {
  switch (part) {
    case Part::kEnvelope:
      return std::strchr("AFSVROM", type) != nullptr;
    case Part::kContent:
      return type == mail::rec::kNorm || type == mail::rec::kCont || type == mail::rec::kExtract;
    case Part::kExtracted:
      return std::strchr("ARO>LE", type) != nullptr;
  }
  return false;
}

}  // namespace

int run(int argc, char** argv) {
  util::set_program_name("postdrop");
  std::string config_dir;
  opterr = 0;
  int c;
  while ((c = getopt(argc, argv, "c:rv")) != -1) {
    switch (c) {
      case 'c':
        config_dir = optarg;
        break;
      case 'r':  // record input: the only form sendmail uses
      case 'v':
        break;
      default:
        util::msg_fatal("usage: postdrop [-c config_dir] [-v]");
    }
  }
  if (config_dir.empty() && std::getenv("MAIL_CONFIG")) config_dir = std::getenv("MAIL_CONFIG");
  // Set-gid postdrop must not trust a caller's main.cf.
  if (!config_dir.empty()) mail::check_config_dir(config_dir);
  conf::LoadOptions lo;
  lo.config_dir = config_dir;
  lo.warn = false;
  auto loaded = conf::Config::load(lo);
  if (!loaded) util::msg_fatal(loaded.error().message);
  const conf::Config& config = *loaded;
  const uid_t uid = ::getuid();
  const std::string who = "uid=" + std::to_string(uid) + ": ";

  std::string queue_dir = config.get("queue_directory");
  if (::chdir(queue_dir.c_str()) != 0)
    util::msg_fatal("chdir(" + queue_dir + "): " + std::strerror(errno));

  DropFile drop;
  struct timeval start;
  ::gettimeofday(&start, nullptr);
  {
    std::string tmp = "maildrop/" + std::to_string(start.tv_usec) + "." + std::to_string(::getpid());
    int fd = util::os::open(tmp.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0) {
      // Postfix retries this for ever; a missing maildrop/ never heals by
      // itself, so we say the same words once and give up.
      util::msg_fatal("mail_queue_enter: create file " + tmp + ": " + std::strerror(errno));
    }
    drop.fd = util::Fd(fd);
    drop.path = tmp;
    ::fchmod(fd, 0644);  // regardless of umask: pickup must read it
    struct stat st;
    if (::fstat(fd, &st) != 0) drop.fail("fstat " + tmp + ": " + std::strerror(errno));
    struct timeval now;
    ::gettimeofday(&now, nullptr);
    std::string id = config.get_bool("enable_long_queue_ids")
                         ? mail::make_long_queue_id(now.tv_sec, now.tv_usec, st.st_ino)
                         : mail::make_short_queue_id(now.tv_usec, st.st_ino);
    std::string final_path = "maildrop/" + id;
    if (util::os::rename(tmp.c_str(), final_path.c_str()) != 0)
      drop.fail("rename " + tmp + " to " + final_path + ": " + std::strerror(errno));
    drop.path = final_path;
    reply(attr("protocol", "postdrop_protocol") + std::string(1, '\0'));
    reply(attr("queue_id", id) + std::string(1, '\0'));
  }

  std::string out;
  mail::append_record(out, mail::rec::kTime,
                      std::to_string(start.tv_sec) + " " + std::to_string(start.tv_usec));
  long long size_limit = config.get_size("message_size_limit");
  long long total = 0;
  // Postfix's postdrop takes no record longer than line_length_limit (text
  // lines come in pieces of that size; a longer address is refused).
  long line_limit = config.get_int("line_length_limit");
  mail::RecordReader reader(0, line_limit > 0 ? static_cast<std::size_t>(line_limit) : kMaxRecord);
  Part part = Part::kEnvelope;
  for (;;) {
    auto next = reader.next();
    if (!next) {
      util::msg_warn("stdin: " + next.error().message);
      drop.fail(who + "malformed input");
    }
    if (!*next) {
      // sendmail went away before the end record: nothing to deliver.
      drop.discard();
      return 0;
    }
    const mail::Record& r = **next;
    if (!allowed(part, r.type))
      drop.fail(who + "unexpected record type: " + std::to_string(static_cast<unsigned char>(r.type)));
    total += static_cast<long long>(mail::record_size(r.data.size()));
    if (size_limit > 0 && total > size_limit + kEnvelopeSlack) drop.fail(who + "message too large");
    mail::append_record(out, r.type, r.data);
    if (r.type == mail::rec::kMessage) part = Part::kContent;
    if (r.type == mail::rec::kExtract) part = Part::kExtracted;
    if (r.type == mail::rec::kEnd) break;
    if (out.size() >= 65536) {
      if (auto w = util::os::write_all(drop.fd.get(), out, drop.path); !w)
        drop.fail(who + "error writing " + drop.path + ": " + w.error().message);
      out.clear();
    }
  }
  if (auto w = util::os::write_all(drop.fd.get(), out, drop.path); !w)
    drop.fail(who + "error writing " + drop.path + ": " + w.error().message);
  if (util::os::fsync(drop.fd.get()) != 0)
    drop.fail(who + "error writing " + drop.path + ": " + std::strerror(errno));
  if (util::os::fchmod(drop.fd.get(), 0744) != 0)
    drop.fail(who + "error writing " + drop.path + ": " + std::strerror(errno));
  drop.fd.reset();
  drop.keep = true;

  // Wake pickup; without it the file simply waits for the next scan.
  const std::string pickup = "public/pickup";
  struct stat st;
  if (::stat(pickup.c_str(), &st) != 0) {
    util::msg_warn("unable to look up " + pickup + ": " + std::strerror(errno));
  } else if (auto t = util::unix_trigger(pickup, "W", std::chrono::seconds(5)); !t) {
    util::msg_warn(t.error().message);
  }
  reply(attr("status", "0") + attr("reason", "") + std::string(1, '\0'));
  return 0;
}

}  // namespace postdrop
