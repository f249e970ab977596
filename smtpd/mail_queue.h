// smtpd::MailQueue: where the protocol engine puts an accepted message. Two
// ways, as Postfix's mail_stream: the cleanup service (CleanupQueue, the
// daemon under master) or `postdrop -r` into maildrop/ (PostdropQueue,
// stand-alone smtpd run by `sendmail -bs` as the invoking user).
// The engine opens one MailStream at the first accepted recipient, writes
// the records and finishes it after the end of data; dropping a stream
// unfinished makes cleanup or postdrop remove the file.
// Easy to get wrong: the records differ between the two (the engine writes
// them, smtpd_envelope.cc): cleanup gets T and the client attributes,
// postdrop only what sendmail would write (it adds T itself and refuses the
// rest), so the engine asks Services::stand_alone, not the stream.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "libmail/cleanup_client.h"
#include "libutil/error.h"

namespace smtpd {

class MailStream {
 public:
  virtual ~MailStream() = default;
  virtual const std::string& queue_id() const = 0;
  virtual util::Result<void> write_record(char type, std::string_view payload) = 0;
  // Hand smtpd_milters to cleanup for the message stages (after the E
  // record). Only the cleanup stream can: postdrop's mail meets
  // non_smtpd_milters in cleanup later, as in Postfix.
  virtual util::Result<void> send_milters(const std::vector<const mail::Milter*>& milters) = 0;
  // After the E record: the verdict (cleanup's status and reason).
  virtual util::Result<mail::CleanupReply> finish() = 0;
};

class MailQueue {
 public:
  virtual ~MailQueue() = default;
  // `cleanup_flags`: kCleanupFlag* (postdrop has none: pickup sets them).
  virtual util::Result<std::unique_ptr<MailStream>> open(int cleanup_flags) = 0;
};

// public/<cleanup_service_name>, as smtpd under master.
class CleanupQueue : public MailQueue {
 public:
  CleanupQueue(std::string socket_path, std::chrono::seconds timeout)
      : socket_path_(std::move(socket_path)), timeout_(timeout) {}
  util::Result<std::unique_ptr<MailStream>> open(int cleanup_flags) override;

 private:
  std::string socket_path_;
  std::chrono::seconds timeout_;
};

// command_directory/postdrop -r, as stand-alone smtpd.
class PostdropQueue : public MailQueue {
 public:
  PostdropQueue(std::string postdrop_path, std::chrono::seconds timeout)
      : postdrop_path_(std::move(postdrop_path)), timeout_(timeout) {}
  util::Result<std::unique_ptr<MailStream>> open(int cleanup_flags) override;

 private:
  std::string postdrop_path_;
  std::chrono::seconds timeout_;
};

}  // namespace smtpd
