// The bytes local(8) writes for one delivery: an optional mbox "From "
// line, Return-Path / X-Original-To / Delivered-To on top, the message
// content, ">From " quoting and a blank line at the end, each switched by
// the kind of destination (compat/delivery.md §2, §3).
// Users: local/ (mailbox, maildir, file, command and forwarded copies) and
// its unit tests.
// Easy to get wrong: the null sender is "MAILER-DAEMON" on the From line
// but "<>" in Return-Path; the From line has TWO spaces before the date;
// only lines starting exactly with "From " are quoted (">From " stays as
// is); maildir and forwarded copies get neither the From line nor quoting.
#pragma once

#include <ctime>
#include <string>
#include <string_view>
#include <vector>

namespace mail {

struct MailCopyFlags {
  bool from_line = false;    // "From sender  date" (mbox, file, command)
  bool quote_from = false;   // body "From " -> ">From " (mbox, file)
  bool return_path = false;  // Return-Path: <sender>
  bool orig_rcpt = false;    // X-Original-To: (enable_original_recipient)
  bool delivered = false;    // Delivered-To: (prepend_delivered_header)
  bool blank_line = false;   // an empty line after the message (mbox, file)
};

// What a mailbox or mbox file gets.
MailCopyFlags mbox_copy_flags();
// What a maildir file gets.
MailCopyFlags maildir_copy_flags();

struct MailCopyEnvelope {
  std::string sender;     // "" for the null sender
  std::string orig_rcpt;  // X-Original-To value
  std::string delivered;  // Delivered-To value
  std::time_t when = 0;   // delivery time for the From line (local time)
};

// "From sender  Mon Nov 23 09:28:22 2026\n" (asctime-style, day padded).
std::string mbox_from_line(std::string_view sender, std::time_t when);

// The complete copy: envelope lines, then each content line with "\n".
std::string format_mail_copy(const MailCopyEnvelope& envelope, const MailCopyFlags& flags,
                             const std::vector<std::string>& lines);

// True when the header section of `lines` (up to the first empty line)
// holds "Delivered-To: ADDRESS" for `address` (case-insensitive): the
// message has been here before and delivering again would loop.
bool has_delivered_to(const std::vector<std::string>& lines, std::string_view address);

}  // namespace mail
