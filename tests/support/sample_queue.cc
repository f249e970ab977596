#include "tests/support/sample_queue.h"

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "libmail/record.h"
#include "tests/support/paths.h"

namespace test {
namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

void put_queue_file(const std::string& queue_dir, const std::string& relative,
                    const std::string& content, int mode) {
  std::string path = queue_dir + "/" + relative;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path, std::ios::binary) << content;
  ::chmod(path.c_str(), static_cast<mode_t>(mode));
}

void fill_sample_queue(const std::string& queue_dir) {
  for (const char* d : {"maildrop", "active", "incoming", "deferred", "hold", "defer", "flush",
                        "public", "private", "pid"})
    std::filesystem::create_directories(queue_dir + "/" + d);
  auto sample = [&](const std::string& name) { return slurp(data_file("showq/" + name)); };
  put_queue_file(queue_dir, "maildrop/12345ABCDE", sample("maildrop_root.bin"), 0744);
  put_queue_file(queue_dir, "active/69895A741A2", sample("qf_sendmail_root_hold.bin"));
  put_queue_file(queue_dir, "incoming/17399A741A9", sample("qf_t_hold.bin"));
  put_queue_file(queue_dir, "deferred/B/B0FE1A74379", sample("qf_deferred_partial.bin"));
  put_queue_file(queue_dir, "defer/B/B0FE1A74379", sample("defer-logfile-1rcpt.txt"), 0600);
  put_queue_file(queue_dir, "hold/AFAE8A7414D", sample("qf_smtp_hold.bin"));
}

std::string make_queue_file(const std::string& sender, const std::vector<std::string>& recipients,
                            long size, long arrival_time) {
  std::string body;
  mail::append_record(body, 'T', std::to_string(arrival_time) + " 1");
  mail::append_record(body, 'A', "rewrite_context=local");
  mail::append_record(body, 'S', sender);
  for (const auto& r : recipients) mail::append_record(body, 'R', r);
  mail::append_record(body, 'M', "");
  // C is 95 bytes of payload behind a 2-byte header.
  long data_offset = 97 + static_cast<long>(body.size());
  mail::append_record(body, 'N', "x");
  mail::append_record(body, 'X', "");
  mail::append_record(body, 'E', "");
  char c[128];
  std::snprintf(c, sizeof c, "%15ld %15ld %15ld %15ld %15ld %15ld", size, data_offset,
                static_cast<long>(recipients.size()), 0L, size, 0L);
  std::string out;
  mail::append_record(out, 'C', c);
  return out + body;
}

void chown_to_postfix(const std::string& dir) {
  struct passwd* pw = ::getpwnam("postfix");
  if (!pw) return;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir))
    (void)::lchown(e.path().c_str(), pw->pw_uid, pw->pw_gid);
}

}  // namespace test
