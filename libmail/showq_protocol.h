// The showq protocol (ours; only postqueue speaks it): after connecting to
// public/showq the client sends nothing; showq writes one attribute list per
// queued message, then an empty list, and closes.
//   {queue_name, queue_id, time (int), size (int), forced_expire (int 0/1),
//    defer_log (int 0/1), sender, rcpt={address [, reason]}...}
// `rcpt` repeats, in display order. Users: the showq daemon (writer) and
// postqueue (reader), both through these functions.
// Easy to get wrong: an absent `reason` and an empty one differ (JSON shows
// delay_reason only when the defer log had an entry), so `reason` is left
// out rather than sent empty.
#pragma once

#include <functional>

#include "libmail/attr.h"
#include "libmail/queue_listing.h"
#include "libutil/error.h"
#include "libutil/stream.h"

namespace mail {

AttrList encode_listed_message(const ListedMessage& msg);
util::Result<ListedMessage> decode_listed_message(const AttrList& list);

// Server side: one message (not flushed; the stream buffers) / the end mark.
util::Result<void> write_showq_entry(util::Stream& stream, const ListedMessage& msg);
util::Result<void> write_showq_end(util::Stream& stream);

// Client side: call `visit` for each message until the end mark. An error
// when the connection breaks or a list is malformed.
util::Result<void> read_showq_listing(util::Stream& stream,
                                      const std::function<void(const ListedMessage&)>& visit);

}  // namespace mail
