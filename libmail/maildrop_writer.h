// mail::MaildropWriter: turns a local submission (envelope from sendmail's
// command line + the message on stdin) into the record stream that sendmail
// hands to `postdrop -r`, which prefixes the T record and stores it as
// maildrop/ID. Used by tools/sendmail; unit-tested on its own.
// Easy to get wrong (all checked against Postfix 3.7's postdrop files):
// * no dot-unstuffing: a lone "." ends the message unless -i, but "..x" is
//   stored as "..x"; a leading "From " line is dropped;
// * CR before LF is removed; a last line without LF is stored as an L record
//   (with -t: as N inside the headers, as L + empty N in the body);
//   lines are cut into line_length_limit pieces (L ... then N; a line of
//   exactly the limit is L + empty N);
// * with -t the header recipients go after X, in header order, duplicates
//   and Bcc: kept (cleanup removes them later), and only the Resent-
//   headers count when there is any Resent-To/Cc/Bcc; headers that end at
//   a non-header line get an empty line inserted, and "Name :" becomes
//   "Name:" (both only with -t);
// * A notify_flags=N precedes every R (command-line and extracted) when -N.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mail {

// DSN bits as stored in A notify_flags (NEVER=1 SUCCESS=2 FAILURE=4 DELAY=8).
inline constexpr int kNotifyNever = 1;
inline constexpr int kNotifySuccess = 2;
inline constexpr int kNotifyFailure = 4;
inline constexpr int kNotifyDelay = 8;

struct SubmitEnvelope {
  std::string envelope_id;          // -V; empty: none
  int ret_flags = 0;                // -R: 1 full, 2 hdrs, 0 none
  std::string full_name;            // F record (may be empty)
  std::string sender;               // S record (may be empty: null sender)
  std::string encoding;             // -B: "8bit" / "7bit" (A encoding= after S)
  std::optional<std::string> verp;  // -XV delimiters
  int notify_flags = 0;             // -N
  std::vector<std::string> recipients;  // command line, stored as typed
};

// The envelope records (everything postdrop copies before the content, T
// excluded): [A envelope_id] [A ret_flags] A rewrite_context=local F S
// [A encoding] [V]
// ([A notify_flags] R)... M
std::string envelope_records(const SubmitEnvelope& envelope);

// The addresses of one To:/Cc:/Bcc: value in Postfix's internal form
// (quotes removed, comments, phrases and group names dropped, <> skipped).
std::vector<std::string> parse_address_list(std::string_view value);

struct MessageOptions {
  bool dot_ends = true;             // false with -i / -oi
  bool extract_recipients = false;  // -t
  std::size_t line_limit = 2048;    // line_length_limit
  std::size_t header_limit = 102400;  // header_size_limit: longer headers are cut
  int notify_flags = 0;             // written before each extracted R
};

// Feed the message bytes as they arrive; records come out as soon as a line
// (or a line_limit piece) is complete.
class MaildropWriter {
 public:
  explicit MaildropWriter(MessageOptions options);

  // Append the records for `data` to `out`. Input after the ending "." line
  // is ignored.
  void feed(std::string_view data, std::string& out);
  // True once a lone "." ended the message (never with -i).
  bool ended() const { return ended_; }
  // Flush a last line without LF, then X, the extracted recipients, E.
  void finish(std::string& out);
  // Recipients found by -t (valid after finish, or once headers ended).
  const std::vector<std::string>& extracted() const;

 private:
  void end_line(std::string& out, bool complete);
  void header_piece(std::string_view piece, bool line_start);
  void close_header();
  void end_headers();

  MessageOptions opt_;
  std::string line_;
  bool continuing_ = false;   // the current line already produced L pieces
  bool first_line_ = true;    // for the "From " line check
  bool ended_ = false;
  bool in_headers_ = true;
  std::string header_;        // the logical header being collected
  bool header_open_ = false;
  std::vector<std::string> plain_rcpts_;
  std::vector<std::string> resent_rcpts_;
  bool saw_resent_ = false;
  mutable std::vector<std::string> extracted_;
};

}  // namespace mail
