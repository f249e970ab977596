// The "improper command pipelining" log line. RFC 2920 lets a client send
// ahead only after EHLO, and never past EHLO, HELO, DATA, NOOP or VRFY
// (observed on Postfix 3.7.11: RSET, ETRN, MAIL, RCPT, BDAT, XFORWARD and
// QUIT may be followed; before EHLO nothing may). Postfix logs the first
// such case of a session with up to 100 bytes of what came early; the
// reject_unauth_pipelining restriction is separate (restrictions.cc).
// Easy to get wrong: util::Stream does not show its buffer, so before a
// command read we peek at the socket for a copy of what that read takes
// in, and drop from the copy what each command line used; only input
// already read counts after a command (our reply is on its way and a fast
// client may answer it at once). Under TLS the socket holds ciphertext:
// the line is then logged without the text.
#include <sys/socket.h>

#include "libutil/log.h"
#include "smtpd/smtpd_command.h"
#include "smtpd/smtpd_session.h"

namespace smtpd {

namespace {
constexpr size_t kQuoted = 100;  // bytes of early input in the log line
constexpr size_t kPeek = 4096;   // how much of the socket we copy
}  // namespace

void Engine::log_improper_pipelining(const std::string& after, std::string_view pending) {
  pipelining_logged_ = true;
  util::msg_info("improper command pipelining after " + after + " from " +
                 session_.client.namaddr() + ": " + printable_escape(pending, kQuoted));
}

util::Result<void> Engine::wait_for_command() {
  if (stream_.buffered() > 0) return {};
  early_input_.clear();
  if (session_.tls_active) return {};
  auto ready = stream_.readable(set_.timeout);
  if (!ready) return std::unexpected(ready.error());
  if (!*ready) return std::unexpected(util::Error{"timeout", 0, util::ErrorKind::kTimeout});
  char buf[kPeek];
  ssize_t n = ::recv(stream_.fd(), buf, sizeof buf, MSG_PEEK | MSG_DONTWAIT);
  if (n > 0) early_input_.assign(buf, static_cast<size_t>(n));
  return {};
}

void Engine::command_consumed(const util::Line& line) {
  size_t used = line.text.size() + (line.end == util::LineEnd::kNewline ? 1 : 0);
  if (line.end == util::LineEnd::kTooLong || early_input_.size() < used)
    early_input_.clear();
  else
    early_input_.erase(0, used);
}

void Engine::check_pipelining_after(const std::string& verb) {
  if (pipelining_logged_ || stream_.buffered() == 0) return;
  bool must_wait =
      verb == "EHLO" || verb == "HELO" || verb == "DATA" || verb == "NOOP" || verb == "VRFY";
  if (session_.esmtp && !must_wait) return;
  std::string_view pending(early_input_);
  log_improper_pipelining(verb, pending.substr(0, std::min(pending.size(), stream_.buffered())));
}

void Engine::check_pipelining_at_connect() {
  if (pipelining_logged_ || session_.tls_active) return;
  char early[kQuoted];
  ssize_t n = ::recv(stream_.fd(), early, sizeof early, MSG_PEEK | MSG_DONTWAIT);
  if (n > 0) log_improper_pipelining("CONNECT", std::string_view(early, static_cast<size_t>(n)));
}

}  // namespace smtpd
