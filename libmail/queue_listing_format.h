// The two layouts of a queue listing, byte for byte as Postfix 3.7's
// postqueue prints them (cli.md §1-2): the `postqueue -p`/`mailq` table and
// the `postqueue -j` JSON lines. Used by postqueue (from showq's entries or
// from a direct scan) and by tests.
// Easy to get wrong:
//  - the column layout depends on enable_long_queue_ids, not on the IDs;
//    short: "%-11s%8ld %s  %s" (ID and marks, size, time, TWO spaces,
//    sender), recipients at column 41; long: "%-17s%9ld %s %s", column 47;
//  - the marks follow the ID with no space: `*` active, `!` hold, then `#`
//    forced to expire;
//  - a reason line is "(reason)" right-aligned in 78 columns;
//  - addresses are shown in external form: a local part with specials is
//    quoted ("a b"@x), control characters become '?', the null address is
//    MAILER-DAEMON; the JSON strings carry the same text, JSON-escaped.
#pragma once

#include <string>
#include <string_view>

#include "libmail/queue_listing.h"

namespace mail {

// Printed instead of the table when there is no message (-j prints nothing).
inline constexpr std::string_view kMailQueueIsEmpty = "Mail queue is empty\n";

// An address as postqueue shows it (see above).
std::string display_address(std::string_view address);
// `s` as a JSON string literal with its quotes.
std::string json_quote(std::string_view s);

std::string format_text_header(bool long_ids);
// The message lines and the empty line after them.
std::string format_text_entry(const ListedMessage& msg, bool long_ids);
// "-- N Kbytes in M Requests.\n"
std::string format_text_trailer(long total_size, long count);
// One JSON object and its newline.
std::string format_json_entry(const ListedMessage& msg);

// A listing built one message at a time, so postqueue can print as showq
// sends: add() returns the text to print now, finish() the rest.
class QueueReport {
 public:
  enum class Format { kText, kJson };
  QueueReport(Format format, bool long_ids) : format_(format), long_ids_(long_ids) {}
  std::string add(const ListedMessage& msg);
  std::string finish() const;

 private:
  Format format_;
  bool long_ids_;
  long count_ = 0;
  long total_size_ = 0;
};

}  // namespace mail
