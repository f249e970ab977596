// mail::Milter: the client side of one Sendmail milter connection (protocol
// version 2..6, as Postfix's milter_protocol): option negotiation, macros,
// connect/helo/mail/rcpt/data/header/eoh/body/eom/abort/quit, and the
// replies and message edits the milter sends back. Users: smtpd (SMTP
// stages; it hands the connection to cleanup for the content stages),
// cleanup (content stages; non_smtpd_milters whole).
// Easy to get wrong: a milter that is down, times out or talks garbage is
// not an error for the caller: the reply is the milter's default_action and
// the milter is out of the session. A step the milter skipped (SMFIP_NO*)
// sends nothing; a step it asked not to answer (SMFIP_NR_*) reads nothing.
// After ACCEPT/REJECT/DISCARD of a message the milter skips the rest of
// that message (not the session); after ACCEPT/REJECT at connect the whole
// session.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "libmail/attr.h"
#include "libmail/milter_settings.h"
#include "libutil/fd.h"
#include "libutil/stream.h"

namespace mail {

enum class MilterVerdict {
  kContinue,    // go on
  kAccept,      // accept without further milter calls (this message/session)
  kReject,      // 5xx (text: "550 5.7.1 Command rejected")
  kTempfail,    // 4xx (text: "451 4.7.1 Service unavailable - try again later")
  kDiscard,     // accept and throw away
  kQuarantine,  // accept, put on hold (text: the reason)
};

struct MilterReply {
  MilterVerdict verdict = MilterVerdict::kContinue;
  // For kReject/kTempfail: the SMTP reply, possibly multi-line with "\r\n"
  // between lines ("550-5.7.1 a\r\n550 5.7.1 b"). For kQuarantine: reason.
  std::string text;
};

// One message edit requested at end of message.
struct MilterEdit {
  enum class Kind {
    kAddHeader,     // name, value
    kInsertHeader,  // index (0 = top), name, value
    kChangeHeader,  // index (1 = first of that name), name, value ("" deletes)
    kAddRcpt,       // value = address
    kDelRcpt,       // value = address
    kChangeFrom,    // value = address, args = ESMTP parameters
    kReplaceBody,   // value = the new body (CRLF line ends)
    kQuarantine,    // value = reason: put the message on hold
  };
  Kind kind = Kind::kAddHeader;
  std::uint32_t index = 0;
  std::string name, value, args;
  bool leading_space = false;  // value keeps its own space after the colon
};

// Macro values the caller knows: name -> value ("j", "{client_addr}").
using MilterMacroLookup = std::function<std::optional<std::string>(std::string_view name)>;

// Stages, as the protocol numbers them (SMFIM_*).
enum class MilterStage {
  kConnect = 0,
  kHelo = 1,
  kMail = 2,
  kRcpt = 3,
  kData = 4,
  kEom = 5,
  kEoh = 6
};

class Milter {
 public:
  // Connect and negotiate. Never fails: a milter that cannot be reached is
  // returned disabled (its replies are the default action) and logged.
  static Milter open(const MilterSettings& settings, const MilterMacroLists& macros);
  // Rebuild a milter handed over with to_attrs() and its fd.
  static std::optional<Milter> from_attrs(const AttrList& attrs, util::Fd fd);
  Milter(Milter&&) noexcept = default;
  Milter& operator=(Milter&&) noexcept = default;

  // The state another process needs to continue this connection (the fd
  // travels separately).
  AttrList to_attrs() const;
  int fd() const { return stream_ ? stream_->fd() : -1; }
  const std::string& name() const { return settings_.name; }
  bool active() const { return stream_.has_value() && !session_done_; }
  bool message_active() const { return active() && !message_done_; }
  bool failed() const { return failed_; }

  MilterReply connect(std::string_view hostname, std::string_view address, int port,
                      const MilterMacroLookup& macros);
  MilterReply helo(std::string_view name, const MilterMacroLookup& macros);
  MilterReply mail(const std::vector<std::string>& args, const MilterMacroLookup& macros);
  MilterReply rcpt(const std::vector<std::string>& args, const MilterMacroLookup& macros);
  MilterReply data(const MilterMacroLookup& macros);
  // Content: headers (name, value without the leading space), end of
  // headers, body (CRLF lines, chunked here), end of message with edits.
  MilterReply header(std::string_view name, std::string_view value);
  MilterReply eoh(const MilterMacroLookup& macros);
  MilterReply body(std::string_view crlf_text);
  MilterReply eom(const MilterMacroLookup& macros, std::vector<MilterEdit>& edits);
  // End of a message without EOM (RSET, rejected transaction); the session
  // goes on.
  void abort();
  // The message stages ran elsewhere (cleanup): no ABORT is due for it.
  void end_message() { message_done_ = true; }
  // The connection failed elsewhere (cleanup): default_action from now on.
  void mark_failed() {
    stream_.reset();
    failed_ = true;
  }
  // End of the session (sends QUIT and closes).
  void quit();
  // Whether headers should be sent with their leading space (SMFIP_HDR_LEADSPC).
  bool header_leading_space() const;
  bool wants_headers() const;
  bool wants_body() const;

 private:
  Milter() = default;
  MilterReply fail(const std::string& why);
  MilterReply default_reply() const;
  util::Result<void> send(char command, std::string_view data);
  util::Result<std::pair<char, std::string>> receive(std::chrono::milliseconds timeout);
  void send_macros(MilterStage stage, char command, const MilterMacroLookup& lookup);
  // Send a command and read its reply (unless `no_reply`), handling
  // progress packets; `edits` collects modification packets (EOM only).
  MilterReply exchange(char command, std::string_view data, bool no_reply,
                       std::chrono::milliseconds timeout, std::vector<MilterEdit>* edits);
  MilterReply interpret(char code, const std::string& data, std::vector<MilterEdit>* edits,
                        bool* more);
  util::Result<void> negotiate(const MilterMacroLists& macros);

  MilterSettings settings_;
  std::optional<util::Stream> stream_;
  std::uint32_t version_ = 6;
  std::uint32_t actions_ = 0;
  std::uint32_t protocol_ = 0;
  std::string macro_lists_[7];  // by MilterStage
  bool session_done_ = false;   // accepted/rejected at connect, or failed
  bool message_done_ = false;   // accepted/rejected/discarded this message
  bool skip_body_ = false;      // the milter answered SKIP to a body chunk
  bool failed_ = false;         // down, timed out, garbage: default_action from now on
};

}  // namespace mail
