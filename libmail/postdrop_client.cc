// See postdrop_client.h.
#include "libmail/postdrop_client.h"

#include <fcntl.h>
#include <unistd.h>

#include "libmail/record.h"
#include "libutil/fd.h"

namespace mail {
namespace {

constexpr std::size_t kMaxToken = 1024;  // a name or value in postdrop's reply

// One "name\0value\0...\0" list from postdrop; the value of `want`, or
// nullopt when the list ends without it.
util::Result<std::optional<std::string>> read_list(util::Stream& from, std::string_view want) {
  std::optional<std::string> found;
  for (int fields = 0; fields < 16; ++fields) {
    auto name = from.read_until('\0', kMaxToken);
    if (!name) return std::unexpected(name.error());
    if (name->end != util::LineEnd::kNewline) return util::fail("malformed postdrop reply");
    if (name->text.empty()) return found;
    auto value = from.read_until('\0', kMaxToken);
    if (!value) return std::unexpected(value.error());
    if (value->end != util::LineEnd::kNewline) return util::fail("malformed postdrop reply");
    if (name->text == want) found = std::move(value->text);
  }
  return util::fail("malformed postdrop reply");
}

}  // namespace

util::Result<PostdropClient> PostdropClient::open(const std::string& postdrop_path,
                                                  std::chrono::seconds timeout) {
  int in[2], out[2];
  if (::pipe2(in, O_CLOEXEC) != 0) return util::fail_errno("pipe");
  util::Fd in_r(in[0]), in_w(in[1]);
  if (::pipe2(out, O_CLOEXEC) != 0) return util::fail_errno("pipe");
  util::Fd out_r(out[0]), out_w(out[1]);
  util::SpawnOptions so;
  so.argv = {postdrop_path, "-r"};
  so.fds = {{in_r.get(), 0}, {out_w.get(), 1}, {2, 2}};
  const std::string failure = "unable to execute " + postdrop_path + " -r: ";
  auto child = util::ChildProcess::spawn(so);
  if (!child) return util::fail(failure + child.error().message);
  in_r.reset();
  out_w.reset();
  util::Stream to(std::move(in_w), timeout), from(std::move(out_r), timeout);
  // The protocol announcement, then the queue ID once the file exists.
  for (int list = 0; list < 2; ++list) {
    // A postdrop that never names a file could not start (its own fatal
    // is on stderr); Postfix's words for that.
    auto id = read_list(from, "queue_id");
    if (!id) return util::fail(failure + "Application error");
    if (*id) {
      if (id->value().empty()) return util::fail(failure + "Application error");
      return PostdropClient(std::move(*child), std::move(to), std::move(from), std::move(**id),
                            timeout);
    }
  }
  return util::fail(failure + "Application error");
}

PostdropClient::~PostdropClient() {
  if (!child_.running()) return;
  // End of input before E: postdrop removes its file and exits.
  (void)to_.release_fd();
  (void)child_.wait(timeout_);
}

util::Result<void> PostdropClient::write_record(char type, std::string_view payload) {
  std::string framed;
  append_record(framed, type, payload);
  return to_.write(framed);
}

util::Result<void> PostdropClient::write_framed(std::string_view records) {
  return to_.write(records);
}

util::Result<void> PostdropClient::finish() {
  auto flushed = to_.flush();
  (void)to_.release_fd();  // postdrop sees EOF after E
  if (!flushed) return std::unexpected(flushed.error());
  util::Result<std::optional<std::string>> status = std::optional<std::string>();
  for (int list = 0; list < 4 && status && !*status; ++list) status = read_list(from_, "status");
  auto exit = child_.wait(timeout_);
  if (!status) return util::fail("postdrop: " + status.error().message);
  if (!exit) return util::fail("postdrop: " + exit.error().message);
  if (!*status || **status != "0") return util::fail("postdrop did not store the message");
  if (!exit->exited() || exit->code() != 0) return util::fail("postdrop " + exit->describe());
  return {};
}

}  // namespace mail
