// See mail_queue.h.
#include "smtpd/mail_queue.h"

#include "libmail/postdrop_client.h"

namespace smtpd {
namespace {

class CleanupStream : public MailStream {
 public:
  explicit CleanupStream(mail::CleanupClient client) : client_(std::move(client)) {}
  const std::string& queue_id() const override { return client_.queue_id(); }
  util::Result<void> write_record(char type, std::string_view payload) override {
    return client_.write_record(type, payload);
  }
  util::Result<void> send_milters(const std::vector<const mail::Milter*>& milters) override {
    return client_.send_milters(milters);
  }
  util::Result<mail::CleanupReply> finish() override { return client_.finish(); }

 private:
  mail::CleanupClient client_;
};

class PostdropStream : public MailStream {
 public:
  explicit PostdropStream(mail::PostdropClient client) : client_(std::move(client)) {}
  const std::string& queue_id() const override { return client_.queue_id(); }
  util::Result<void> write_record(char type, std::string_view payload) override {
    return client_.write_record(type, payload);
  }
  util::Result<void> send_milters(const std::vector<const mail::Milter*>& milters) override {
    if (milters.empty()) return {};
    return util::fail("milters need the cleanup service, not postdrop");
  }
  // postdrop either stored the file or did not: a failure is a write error.
  util::Result<mail::CleanupReply> finish() override {
    if (auto r = client_.finish(); !r) return std::unexpected(r.error());
    return mail::CleanupReply{};
  }

 private:
  mail::PostdropClient client_;
};

}  // namespace

util::Result<std::unique_ptr<MailStream>> CleanupQueue::open(int cleanup_flags) {
  auto c = mail::CleanupClient::open(socket_path_, cleanup_flags, timeout_);
  if (!c) return std::unexpected(c.error());
  return std::make_unique<CleanupStream>(std::move(*c));
}

util::Result<std::unique_ptr<MailStream>> PostdropQueue::open(int) {
  auto c = mail::PostdropClient::open(postdrop_path_, timeout_);
  if (!c) return std::unexpected(c.error());
  return std::make_unique<PostdropStream>(std::move(*c));
}

}  // namespace smtpd
