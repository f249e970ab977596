// What cleanup does to one message, without any I/O of its own: the
// client's records in, the queue file's model (NewMessage), a status and
// the log lines out. Users: the cleanup daemon (cleanup/cleanup_service.cc),
// which reads the records from the client and writes the file; unit tests.
// Steps, as Postfix's cleanup: envelope addresses are qualified (local
// context), canonical-mapped, masqueraded, and recipients virtual-alias
// expanded (kCleanupFlagMapOk); headers are counted for hopcount_limit,
// checked (kCleanupFlagFilter), their addresses rewritten, Bcc: dropped,
// and Message-Id:, Date:, From: appended when missing (local context
// only); body lines go through body_checks; -t recipients after X become
// real recipients; duplicates are dropped.
// Easy to get wrong (observed on Postfix 3.7): O keeps the recipient as the
// client sent it, dsn_orig_rcpt is "rfc822;" + the address after
// qualification and canonical mapping but before virtual expansion; the
// Message-Id time stamp is cleanup's clock (UTC), the Date: header the
// arrival time (local time).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "libconf/config.h"
#include "libmail/cleanup_addr_map.h"
#include "libmail/queue_file.h"
#include "libmail/record.h"

namespace mail {

// The parameters cleanup reads once at start.
struct CleanupSettings {
  std::string myhostname = "localhost";
  std::string myorigin = "localhost";
  std::string remote_header_rewrite_domain;
  bool long_queue_ids = false;
  long hopcount_limit = 50;
  std::size_t header_size_limit = 102400;
  long long message_size_limit = 10240000;  // 0: none
  std::size_t line_length_limit = kLineLengthLimit;
  std::size_t body_checks_size_limit = 51200;
  long delay_warning_time = 0;  // seconds; 0: no W record
  bool enable_original_recipient = true;
  std::string always_bcc;
  bool smtputf8_enable = true;  // else the size record's SMTPUTF8 field stays 0

  static CleanupSettings from_config(const conf::Config& config);
};

// Tables and rewriting, opened before the jail.
struct CleanupTables {
  DictList header_checks, mime_header_checks, nested_header_checks, body_checks;
  AddressMaps maps;
  // Rewrite an address in a context ("local": user -> user@$myorigin).
  // Unset: addresses stay as they are.
  std::function<std::string(std::string_view address, bool local_context)> rewrite;

  static util::Result<CleanupTables> open(const conf::Config& config);
};

struct CleanupOutcome {
  int status = 0;             // kCleanupStat* bits
  std::string reason;         // REJECT text ("5.7.1 ...") or empty
  bool hold = false;          // write to hold/ instead of incoming/
  bool discard = false;       // accept, then throw away
  NewMessage message;
  // Log lines in order, without the "ID: " prefix.
  std::vector<std::string> log;
  // Warnings (table errors, limits): msg_warn, without prefix.
  std::vector<std::string> warnings;
};

// `records`: every record the client sent (E included); `now` is used for
// create_time and when the client sent no T record.
CleanupOutcome cleanup_process(const std::vector<Record>& records, int flags,
                               std::string_view queue_id, long now_seconds, long now_usec,
                               const CleanupSettings& settings, const CleanupTables& tables);

// "<20261123092931.69895A741A2@mx.example.test>" (short IDs; the time is
// when cleanup ran, UTC) or
// "<QUEUEID@host>" (long IDs).
std::string make_message_id(std::string_view queue_id, long now_seconds,
                            const std::string& myhostname, bool long_queue_ids);
// "From: Root Name <root@example.test>", "From: root@example.test", or
// "From: MAILER-DAEMON" for the null sender (header name passed in, so
// Resent-From works the same).
std::string make_from_header(std::string_view header_name, std::string_view sender,
                             std::string_view full_name);

}  // namespace mail
