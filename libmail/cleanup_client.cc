// Client side of the cleanup protocol (see cleanup_client.h for the wire
// exchange) and Postfix's words for each cleanup status.
#include "libmail/cleanup_client.h"

#include <algorithm>
#include <array>

#include "libmail/attr.h"
#include "libmail/milter.h"
#include "libmail/record.h"
#include "libmail/service_client.h"
#include "libutil/socket.h"

namespace mail {

namespace {

// Checked in Postfix's order: when several bits are set the first one names
// the failure (a deferral or protocol error outranks a permanent verdict, so
// a client does not bounce mail that merely met a broken cleanup).
struct StatusEntry {
  int status;
  int smtp_code;
  const char* dsn;
  const char* text;
};
constexpr std::array<StatusEntry, 8> kStatusTable{{
    {kCleanupStatDefer, 451, "4.7.1", "service unavailable"},
    {kCleanupStatProxy, 451, "4.3.0", "queue file write error"},
    {kCleanupStatBad, 451, "4.3.0", "internal protocol error"},
    {kCleanupStatRcpt, 550, "5.1.0", "no recipients specified"},
    {kCleanupStatHopc, 554, "5.4.0", "too many hops"},
    {kCleanupStatSize, 552, "5.3.4", "message file too big"},
    {kCleanupStatCont, 550, "5.7.1", "message content rejected"},
    {kCleanupStatWrite, 451, "4.3.0", "queue file write error"},
}};

// Records are sent in pieces of about this size so a large message never
// sits whole in the client's memory, yet small messages cost one write.
constexpr std::size_t kChunk = 64 * 1024;

}  // namespace

CleanupStatusDetail cleanup_status_detail(int status) {
  if (status == kCleanupStatOk) return {250, "2.0.0", "Success"};
  for (const auto& e : kStatusTable) {
    if (status & e.status) return {e.smtp_code, e.dsn, e.text};
  }
  return {451, "4.3.0", "unknown cleanup error"};
}

std::string cleanup_status_text(int status) { return cleanup_status_detail(status).text; }

util::Result<CleanupClient> CleanupClient::open(const std::string& socket_path, int flags,
                                                std::chrono::seconds timeout) {
  auto stream = connect_service(socket_path, timeout);
  if (!stream) return std::unexpected(stream.error());
  auto hello = read_attrs(*stream);
  if (!hello) return std::unexpected(hello.error());
  auto id = hello->get_string("queue_id");
  if (!id) return std::unexpected(id.error());
  AttrList req;
  req.add("flags", flags);
  if (auto w = write_attrs(*stream, req); !w) return std::unexpected(w.error());
  return CleanupClient(std::move(*stream), std::move(*id));
}

util::Result<void> CleanupClient::send_pending(bool all) {
  while (!pending_.empty() && (all || pending_.size() >= kChunk)) {
    std::size_t n = std::min(pending_.size(), kChunk);
    AttrList chunk;
    chunk.add("records", pending_.substr(0, n));
    pending_.erase(0, n);
    if (auto w = write_attrs(stream_, chunk, /*flush=*/false); !w) return w;
  }
  return {};
}

util::Result<void> CleanupClient::write_record(char type, std::string_view payload) {
  append_record(pending_, type, payload);
  return send_pending(false);
}

util::Result<void> CleanupClient::write_framed(std::string_view records) {
  pending_.append(records);
  return send_pending(false);
}

util::Result<void> CleanupClient::send_milters(const std::vector<const Milter*>& milters) {
  if (milters.empty()) return {};
  if (auto s = send_pending(true); !s) return s;
  AttrList head;
  head.add("milters", static_cast<int>(milters.size()));
  if (auto w = write_attrs(stream_, head); !w) return w;
  // Wait until cleanup has read everything before the fds: a plain read
  // that met the fd's byte would lose the descriptor.
  auto ready = read_attrs(stream_);
  if (!ready) return std::unexpected(ready.error());
  if (ready->get_int("status").value_or(-1) != 0) return util::fail("cleanup refused milters");
  for (const Milter* m : milters)
    if (auto s = util::send_fd(stream_.fd(), m->fd()); !s) return s;
  for (const Milter* m : milters)
    if (auto w = write_attrs(stream_, m->to_attrs(), /*flush=*/false); !w) return w;
  return stream_.flush();
}

util::Result<CleanupReply> CleanupClient::finish() {
  if (auto s = send_pending(true); !s) return std::unexpected(s.error());
  if (auto w = write_attrs(stream_, AttrList{}); !w) return std::unexpected(w.error());
  auto reply = read_attrs(stream_);
  if (!reply) return std::unexpected(reply.error());
  auto status = reply->get_int("status");
  if (!status) return std::unexpected(status.error());
  CleanupReply out;
  out.status = static_cast<int>(*status);
  if (auto reason = reply->get_string("reason")) out.reason = std::move(*reason);
  if (auto f = reply->get_string("failed_milters")) out.failed_milters = std::move(*f);
  return out;
}

}  // namespace mail
