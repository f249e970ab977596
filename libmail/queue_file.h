// A queue file as Postfix 3.7 lays it out: envelope records (C T A F S V W
// O R D ...), M, the message content (N/L), X, the extracted records (filter,
// redirect, -t/BCC recipients, attributes), E. Postdrop's maildrop files are
// the same without the C record. cleanup writes these with
// build_queue_file(), qmgr/postqueue/postsuper read them with
// parse_queue_file(), qmgr marks delivered recipients with
// mark_recipient_done().
// Easy to get wrong: the C record is fixed width (six "%15ld" fields) and
// counts in queue-file bytes, not message bytes: f1 is the offset of X
// minus f2, f2 the offset of the first record after M; and the raw records
// are kept so a file re-serializes to the identical bytes.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "libmail/record.h"
#include "libutil/error.h"

namespace mail {

// DSN NOTIFY bits as stored in `A notify_flags=` (decimal).
inline constexpr int kDsnNotifyNever = 1;
inline constexpr int kDsnNotifySuccess = 2;
inline constexpr int kDsnNotifyFailure = 4;
inline constexpr int kDsnNotifyDelay = 8;

// The six fields of the C record.
struct SizeRecord {
  long content_size = 0;   // offset of X minus data_offset
  long data_offset = 0;    // offset of the first record after M
  long rcpt_count = 0;     // R records, envelope and extracted
  long qmgr_flags = 0;     // OR of all notify_flags, shifted left once
  long content_length = 0; // equal to content_size in every observed file
  long smtputf8 = 0;       // kSmtputf8* bits
};
// SMTPUTF8 bits of the C record (and of delivery/bounce requests).
inline constexpr long kSmtputf8Requested = 1;  // MAIL FROM ... SMTPUTF8 (or sendmail -XU)
inline constexpr long kSmtputf8Header = 2;     // a header is not ASCII
inline constexpr long kSmtputf8Sender = 4;     // the envelope sender is not ASCII
std::string format_size_record(const SizeRecord& size);
// Postfix's own sanity rule (postcat/qmgr): two leading numbers, both > 0.
std::optional<SizeRecord> parse_size_record(std::string_view payload);

struct Recipient {
  std::string address;        // R (or D once delivered)
  std::string orig;           // O before it, if any
  std::string dsn_orig_rcpt;  // A dsn_orig_rcpt= before it, if any
  int notify_flags = 0;       // A notify_flags= before it, 0 if none
  bool done = false;          // type byte is D
  bool extracted = false;     // in the segment after X
  off_t offset = 0;           // of the R/D record: what defer logs call offset=
};

class QueueFile {
 public:
  // Every record of the envelope (before M), the content (between M and X,
  // without them) and the extracted segment (between X and E).
  std::vector<Record> envelope;
  std::vector<Record> content;
  std::vector<Record> extracted;
  bool has_message = false;  // M seen
  bool has_extract = false;  // X seen
  bool has_end = false;      // E seen

  std::optional<SizeRecord> size() const;
  // From T: seconds and microseconds.
  std::optional<std::pair<long, long>> arrival_time() const;
  std::optional<std::string> sender() const;
  std::optional<std::string> full_name() const;
  // Envelope `A name=value` records, in file order.
  std::vector<std::pair<std::string, std::string>> attributes() const;
  std::optional<std::string> attribute(std::string_view name) const;
  std::vector<Recipient> recipients() const;
  // Content lines with L pieces joined.
  std::vector<std::string> text_lines() const;
};

struct ParseLimits {
  std::size_t max_record_length = 0;  // 0: no bound beyond the file size
  std::size_t max_records = 1000000;
};

// Errors: the record errors of RecordReader, "input is not a valid queue
// file" (bad first record), "missing end of file marker" (no E), and
// "out-of-order ..." for misplaced M/X/E.
util::Result<QueueFile> parse_queue_file(std::string_view bytes, const ParseLimits& limits = {});
util::Result<QueueFile> read_queue_file(const std::string& path, const ParseLimits& limits = {});
// The exact bytes (record offsets in the model are not consulted).
std::string serialize_queue_file(const QueueFile& file);

// A recipient as cleanup receives it.
struct NewRecipient {
  std::string address;                 // R
  std::optional<std::string> orig;     // O (cleanup: always; postdrop: never)
  std::optional<std::string> dsn_orig_rcpt;
  int notify_flags = 0;
  // Added by a header_checks BCC action: Postfix leaves its notify_flags out
  // of the C record's qmgr flags (observed: NEVER=1 there, field 4 stays 0).
  bool bcc_action = false;
};

// What cleanup knows about a message; build_queue_file() lays it out in
// Postfix's record order.
struct NewMessage {
  bool size_record = true;  // false for postdrop's maildrop files
  long arrival_seconds = 0;
  long arrival_usec = 0;
  std::optional<long> create_time;  // A create_time= (cleanup)
  // Attributes before F/S: log_ident, rewrite_context, envelope_id, ret_flags, sasl_*.
  std::vector<std::pair<std::string, std::string>> pre_sender_attributes;
  std::optional<std::string> full_name;
  std::string sender;
  std::optional<std::string> verp_delimiters;
  std::optional<long> warning_time;  // W, when delay_warning_time is set
  // Attributes after S: encoding, log_client_*, client_*, ...
  std::vector<std::pair<std::string, std::string>> post_sender_attributes;
  std::vector<NewRecipient> recipients;
  std::vector<std::string> lines;  // message content, one element per line
  std::size_t line_length_limit = kLineLengthLimit;
  // After X: A records, L content_filter, > redirect, recipients.
  std::vector<std::pair<std::string, std::string>> extracted_attributes;
  std::optional<std::string> content_filter;
  std::optional<std::string> redirect_to;
  std::vector<NewRecipient> extracted_recipients;
  long smtputf8 = 0;
};
std::string build_queue_file(const NewMessage& message);

// Overwrite the R type byte at `offset` with D, checking it is an R.
util::Result<void> mark_recipient_done(int fd, off_t offset);
util::Result<void> mark_recipient_done(const std::string& path, off_t offset);

}  // namespace mail
