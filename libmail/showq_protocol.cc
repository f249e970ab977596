#include "libmail/showq_protocol.h"

namespace mail {

AttrList encode_listed_message(const ListedMessage& msg) {
  AttrList list;
  list.add("queue_name", msg.queue_name)
      .add("queue_id", msg.queue_id)
      .add("time", std::int64_t{msg.arrival_time})
      .add("size", std::int64_t{msg.size})
      .add("forced_expire", msg.forced_expire ? 1 : 0)
      .add("defer_log", msg.has_defer_log ? 1 : 0)
      .add("sender", msg.sender);
  for (const auto& r : msg.recipients) {
    AttrList rcpt;
    rcpt.add("address", r.address);
    if (r.reason) rcpt.add("reason", *r.reason);
    list.add("rcpt", std::move(rcpt));
  }
  return list;
}

util::Result<ListedMessage> decode_listed_message(const AttrList& list) {
  ListedMessage msg;
  auto queue_name = list.get_string("queue_name");
  auto queue_id = list.get_string("queue_id");
  auto time = list.get_int("time");
  auto size = list.get_int("size");
  auto expire = list.get_int("forced_expire");
  auto defer_log = list.get_int("defer_log");
  auto sender = list.get_string("sender");
  if (!queue_name) return std::unexpected(queue_name.error());
  if (!queue_id) return std::unexpected(queue_id.error());
  if (!time) return std::unexpected(time.error());
  if (!size) return std::unexpected(size.error());
  if (!expire) return std::unexpected(expire.error());
  if (!defer_log) return std::unexpected(defer_log.error());
  if (!sender) return std::unexpected(sender.error());
  msg.queue_name = *queue_name;
  msg.queue_id = *queue_id;
  msg.arrival_time = static_cast<long>(*time);
  msg.size = static_cast<long>(*size);
  msg.forced_expire = *expire != 0;
  msg.has_defer_log = *defer_log != 0;
  msg.sender = *sender;
  for (const auto& a : list.attrs()) {
    if (a.name != "rcpt") continue;
    if (a.type != Attr::Type::kList)
      return util::fail_kind(util::ErrorKind::kMalformed, "attribute rcpt: not a list");
    auto address = a.list.get_string("address");
    if (!address) return std::unexpected(address.error());
    ListedRecipient r{*address, std::nullopt};
    if (a.list.find("reason")) {
      auto reason = a.list.get_string("reason");
      if (!reason) return std::unexpected(reason.error());
      r.reason = *reason;
    }
    msg.recipients.push_back(std::move(r));
  }
  return msg;
}

util::Result<void> write_showq_entry(util::Stream& stream, const ListedMessage& msg) {
  return write_attrs(stream, encode_listed_message(msg), false);
}

util::Result<void> write_showq_end(util::Stream& stream) {
  return write_attrs(stream, AttrList(), true);
}

util::Result<void> read_showq_listing(util::Stream& stream,
                                      const std::function<void(const ListedMessage&)>& visit) {
  for (;;) {
    auto list = read_attrs(stream);
    if (!list) return std::unexpected(list.error());
    if (list->empty()) return {};
    auto msg = decode_listed_message(*list);
    if (!msg) return std::unexpected(msg.error());
    visit(*msg);
  }
}

}  // namespace mail
