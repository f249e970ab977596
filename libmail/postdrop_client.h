// mail::PostdropClient: hands one message to `postdrop -r` (set-gid
// postdrop), which stores it as maildrop/ID for pickup. Users: sendmail
// (tools/sendmail/submit.cc) and smtpd in stand-alone mode (`sendmail -bs`),
// which queues each accepted message this way instead of through the
// cleanup socket, as Postfix's does.
//
//   auto p = mail::PostdropClient::open(command_directory + "/postdrop", timeout);
//   p->write_record(rec::kFrom, sender); ...; p->write_record(rec::kEnd, "");
//   auto done = p->finish();   // ok: maildrop/<p->queue_id()> is complete
//
// postdrop's side (tools/postdrop/postdrop.cc): it names its file at once
// ("queue_id\0ID\0\0" after the protocol announcement on its stdout), takes
// the records (no T: it writes its own) on stdin and answers "status\0" "0"
// after the E record.
// Easy to get wrong: a client that goes away without E (RSET, EOF in DATA)
// must close postdrop's input and let it remove its file before anyone looks:
// the destructor does that and waits for postdrop (bounded), so nothing that
// was not acknowledged stays in maildrop/.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "libutil/child_process.h"
#include "libutil/error.h"
#include "libutil/stream.h"

namespace mail {

class PostdropClient {
 public:
  // Start `postdrop_path -r` (our stderr is its stderr) and read the queue ID
  // it chose. `timeout` bounds every wait on postdrop. Errors read "unable
  // to execute PATH -r: REASON" (REASON "Application error" when postdrop
  // started but never named a file), as Postfix's sendmail says.
  static util::Result<PostdropClient> open(const std::string& postdrop_path,
                                           std::chrono::seconds timeout);
  PostdropClient(PostdropClient&&) noexcept = default;
  PostdropClient& operator=(PostdropClient&&) noexcept = delete;
  // Without finish(): postdrop sees its input end before E and removes the
  // file; we wait for it to be gone.
  ~PostdropClient();

  const std::string& queue_id() const { return queue_id_; }
  // One record (buffered).
  util::Result<void> write_record(char type, std::string_view payload);
  // Records already framed (mail::append_record output).
  util::Result<void> write_framed(std::string_view records);
  // Send what is buffered, close postdrop's input, read its status and reap
  // it. Success only when postdrop said status 0 and exited 0.
  util::Result<void> finish();

 private:
  PostdropClient(util::ChildProcess child, util::Stream to, util::Stream from, std::string queue_id,
                 std::chrono::seconds timeout)
      : child_(std::move(child)),
        to_(std::move(to)),
        from_(std::move(from)),
        queue_id_(std::move(queue_id)),
        timeout_(timeout) {}
  util::ChildProcess child_;
  util::Stream to_;    // postdrop's stdin
  util::Stream from_;  // postdrop's stdout
  std::string queue_id_;
  std::chrono::seconds timeout_;
};

}  // namespace mail
