#include "tools/postcat/record_printer.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string_view>

#include "libmail/queue_file.h"
#include "libmail/record.h"
#include "libutil/log.h"

namespace postcat {
namespace {

namespace rec = mail::rec;

// Pointer records only ever point forward or back to the record after the
// pointer, so a file needing this many jumps is corrupt (a loop).
constexpr int kMaxPointerJumps = 100000;

const char* record_name(char type) {
  switch (type) {
    case rec::kSize: return "message_size";
    case rec::kTime: return "message_arrival_time";
    case rec::kCreateTime: return "queue_file_create_time";
    case rec::kFullName: return "sender_fullname";
    case rec::kInspector: return "content_inspector";
    case rec::kFilter: return "content_filter";
    case rec::kFrom: return "sender";
    case rec::kDone: return "done_recipient";
    case rec::kRcpt: return "recipient";
    case rec::kOrigRcpt: return "original_recipient";
    case rec::kCanceled: return "canceled_recipient";
    case rec::kWarn: return "warning_message_time";
    case rec::kAttr: return "named_attribute";
    case rec::kKill: return "killed_record";
    case rec::kRedirect: return "redirect_to";
    case rec::kVerp: return "verp_delimiters";
    case rec::kPriority: return "priority";
    case rec::kReturnReceipt: return "return_receipt";
    case rec::kErrorsTo: return "errors_to";
    case rec::kFlags: return "flags";
    case rec::kDsnRet: return "dsn_return_flags";
    case rec::kDsnEnvid: return "dsn_envelope_id";
    case rec::kDsnNotify: return "dsn_notify_flags";
    case rec::kDsnOrcpt: return "dsn_original_recipient";
    default: return "unknown_record_type";
  }
}

bool valid_first_type(char type) {
  return std::string_view("CTcFILSDRO/WAV><ionKM").find(type) != std::string_view::npos;
}

// ctime() without its newline, local time, as Postfix prints dates.
std::string ctime_text(std::string_view digits) {
  time_t t = static_cast<time_t>(std::atol(std::string(digits).c_str()));
  struct tm tm {};
  if (localtime_r(&t, &tm) == nullptr) return "";
  char buf[64];
  std::strftime(buf, sizeof buf, "%a %b %e %H:%M:%S %Y", &tm);
  return buf;
}

// A header line: a name of printable non-space non-colon characters,
// optional blanks, then a colon.
bool is_header(std::string_view line) {
  std::size_t i = 0;
  while (i < line.size() && line[i] > 32 && line[i] < 127 && line[i] != ':') ++i;
  if (i == 0) return false;
  while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
  return i < line.size() && line[i] == ':';
}

std::string c_string(const std::string& s) { return s.substr(0, s.find('\0')); }

std::string_view trim_blanks(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Postfix's logging shows every byte outside printable ASCII as '?'.
void warn(std::string text) {
  for (char& c : text)
    if (c < 32 || c > 126) c = '?';
  util::msg_warn(text);
}

class Printer {
 public:
  Printer(const std::string& name, const PrintOptions& o) : name_(name), o_(o) {}

  void out(std::string_view s) { std::fwrite(s.data(), 1, s.size(), stdout); }

  void prefix(const mail::Record& r) {
    char buf[64];
    if (o_.offsets) {
      // A record reached through pointer or padding records shows where
      // that run began, as Postfix's reader reports it.
      off_t at = shown_offset_ >= 0 ? shown_offset_ : r.offset;
      std::snprintf(buf, sizeof buf, "%9ld ", static_cast<long>(at));
      out(buf);
    }
    if (o_.types) {
      std::snprintf(buf, sizeof buf, "%3d ", static_cast<unsigned char>(r.type));
      out(buf);
    }
  }

  void heading(const mail::Record* r, const char* what) {
    if (!o_.envelope) return;
    if (r) prefix(*r);
    out(std::string("*** ") + what + " " + name_ + " ***\n");
  }

  void text(const mail::Record& r) {
    prefix(r);
    if (o_.verbose) out(r.type == rec::kCont ? "unterminated_text: " : "regular_text: ");
    out(r.data);
    // -d alone keeps L pieces on one line (type numbers inline), as Postfix.
    if (o_.offsets || o_.verbose || r.type != rec::kCont) out("\n");
  }

  void named(const mail::Record& r) {
    prefix(r);
    // Postfix prints these payloads as C strings: a NUL ends them.
    const std::string text = c_string(r.data);
    switch (r.type) {
      case rec::kSize:
        out("message_size: " + text + "\n");
        if (!mail::parse_size_record(text)) warn("invalid size record: " + text);
        return;
      case rec::kTime:
      case rec::kWarn:
        out(std::string(record_name(r.type)) + ": " + ctime_text(text) + "\n");
        return;
      case rec::kAttr: {
        std::string_view data = text;
        while (!data.empty() && (data.front() == ' ' || data.front() == '\t')) data.remove_prefix(1);
        auto eq = data.find('=');
        if (eq == std::string_view::npos) {
          warn(name_ + ": malformed attribute: missing '=' after attribute name: " +
                         text);
          return;
        }
        auto attr = trim_blanks(data.substr(0, eq));
        auto value = trim_blanks(data.substr(eq + 1));
        if (attr.empty()) {
          warn(name_ + ": malformed attribute: missing attribute name: " + text);
          return;
        }
        if (attr == "create_time")
          out("create_time: " + ctime_text(value) + "\n");
        else
          out("named_attribute: " + std::string(attr) + "=" + std::string(value) + "\n");
        return;
      }
      default:
        out(std::string(record_name(r.type)) + ": " + text + "\n");
    }
  }

  // Whether the section a record falls in is being printed.
  bool shown(bool in_content, bool in_header) const {
    if (!in_content) return o_.envelope;
    return in_header ? o_.header : o_.body;
  }

  void run(int fd) {
    mail::RecordReader reader(fd);
    if (o_.start > 0) {
      // A pipe cannot seek; reading on from its start is the best effort.
      (void)reader.seek(o_.start);
    }
    if (o_.start == 0) {
      int type = reader.peek();
      if (type >= 0 && !valid_first_type(static_cast<char>(type))) {
        warn(name_ + ": input is not a valid queue file");
        return;
      }
    }
    enum { kEnvelope, kContent, kExtracted } state = kEnvelope;
    bool first = true;
    bool in_header = true, line_start = true, seen_header = false;
    int jumps = 0;
    for (;;) {
      auto next = reader.next();
      if (!next) {
        std::fflush(stdout);
        warn(name_ + ": " + next.error().message);
        util::msg_fatal("record read error");
      }
      if (!*next) return;
      const mail::Record& r = **next;
      if (!o_.verbose && (r.type == rec::kPointer || r.type == rec::kDeleted)) {
        if (run_start_ < 0) run_start_ = r.offset;
      } else {
        shown_offset_ = run_start_;
        run_start_ = -1;
      }
      if (first) {
        first = false;
        if (r.offset == 0) {
          heading(nullptr, "ENVELOPE RECORDS");
        }
      }
      // Header or body only: jump straight to the content, as Postfix
      // does, so a damaged envelope does not matter.
      if (!o_.envelope && state == kEnvelope && r.type == rec::kSize) {
        auto size = mail::parse_size_record(c_string(r.data));
        if (!size) {
          warn("invalid size record: " + c_string(r.data));
          util::msg_fatal("seek error: Invalid argument");
        }
        if (auto s = reader.seek(size->data_offset); !s) {
          std::fflush(stdout);
          util::msg_fatal("seek error: " + std::string(std::strerror(s.error().sys_errno)));
        }
        state = kContent;
        in_header = line_start = true;
        seen_header = false;
        continue;
      }
      switch (r.type) {
        case rec::kPointer: {
          if (o_.verbose && shown(state == kContent, in_header)) {
            prefix(r);
            out("pointer_record: " + c_string(r.data) + "\n");
          }
          const std::string pointer = c_string(r.data);
          std::string_view digits = pointer;
          while (!digits.empty() && (digits.front() == ' ' || digits.front() == '\t'))
            digits.remove_prefix(1);
          if (digits.find_first_not_of("0123456789") != std::string_view::npos) {
            std::fflush(stdout);
            warn(name_ + ": malformed pointer record value: " + pointer);
            util::msg_fatal(o_.verbose ? "bad pointer record, or input is not seekable"
                                       : "record read error");
          }
          long target = std::atol(std::string(digits).c_str());
          if (target <= 0) continue;
          if (++jumps > kMaxPointerJumps) {
            std::fflush(stdout);
            warn(name_ + ": too many pointer records");
            util::msg_fatal("record read error");
          }
          if (auto s = reader.seek(target); !s) {
            std::fflush(stdout);
            warn(name_ + ": " + s.error().message);
            util::msg_fatal("record read error");
          }
          continue;
        }
        case rec::kDeleted:
          if (o_.verbose && shown(state == kContent, in_header)) {
            prefix(r);
            out("padding: " + c_string(r.data) + "\n");
          }
          continue;
        case rec::kMessage:
          if (state != kEnvelope) warn(name_ + ": out-of-order message content marker");
          heading(&r, "MESSAGE CONTENTS");
          state = kContent;
          in_header = line_start = true;
          seen_header = false;
          continue;
        case rec::kExtract:
          if (state != kContent) warn(name_ + ": out-of-order extracted segment marker");
          heading(&r, "HEADER EXTRACTED");
          if (!o_.envelope) return;  // nothing after X is header or body
          state = kExtracted;
          continue;
        case rec::kEnd:
          // Observed: E straight after the envelope is not worth a warning.
          if (state == kContent) warn(name_ + ": out-of-order message end marker");
          heading(&r, "MESSAGE FILE END");
          return;
        default:
          break;
      }
      bool is_text = r.type == rec::kNorm || (r.type == rec::kCont && state == kContent);
      if (state != kContent) {
        if (!o_.envelope) continue;
        if (is_text) text(r);
        else named(r);
        continue;
      }
      if (is_text && line_start) {
        if (in_header) {
          bool continuation = seen_header && !r.data.empty() &&
                              (r.data[0] == ' ' || r.data[0] == '\t');
          if (is_header(r.data)) seen_header = true;
          else if (!continuation) in_header = false;
        }
      }
      if (is_text) line_start = r.type == rec::kNorm;
      // Header only: the first body line ends the work.
      if (!in_header && !o_.body && !o_.envelope) return;
      bool show = in_header ? o_.header : o_.body;
      if (!show) continue;
      if (is_text) text(r);
      else named(r);
    }
  }

 private:
  std::string name_;
  PrintOptions o_;
  off_t shown_offset_ = -1;    // offset to print for the current record, if not its own
  off_t run_start_ = -1;       // start of a run of pointer/padding records
};

}  // namespace

void print_queue_file(int fd, const std::string& name, const PrintOptions& options) {
  Printer(name, options).run(fd);
  std::fflush(stdout);
}

}  // namespace postcat
