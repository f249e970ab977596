#include "tools/postcat/record_printer.h"

#include <cstdio>
#include <cstdlib>
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

std::string_view trim_blanks(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

class Printer {
 public:
  Printer(const std::string& name, const PrintOptions& o) : name_(name), o_(o) {}

  void out(std::string_view s) { std::fwrite(s.data(), 1, s.size(), stdout); }

  void prefix(const mail::Record& r) {
    char buf[64];
    if (o_.offsets) {
      std::snprintf(buf, sizeof buf, "%9ld ", static_cast<long>(r.offset));
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
    bool labelled = o_.offsets || o_.types || o_.verbose;
    if (labelled) prefix(r);
    if (o_.verbose) out(r.type == rec::kCont ? "unterminated_text: " : "regular_text: ");
    out(r.data);
    if (labelled || r.type != rec::kCont) out("\n");
  }

  void named(const mail::Record& r) {
    prefix(r);
    switch (r.type) {
      case rec::kSize:
        out("message_size: " + r.data + "\n");
        if (!mail::parse_size_record(r.data)) util::msg_warn("invalid size record: " + r.data);
        return;
      case rec::kTime:
      case rec::kWarn:
        out(std::string(record_name(r.type)) + ": " + ctime_text(r.data) + "\n");
        return;
      case rec::kAttr: {
        std::string_view data = r.data;
        while (!data.empty() && (data.front() == ' ' || data.front() == '\t')) data.remove_prefix(1);
        auto eq = data.find('=');
        if (eq == std::string_view::npos) {
          util::msg_warn(name_ + ": malformed attribute: missing '=' after attribute name: " +
                         r.data);
          return;
        }
        auto attr = trim_blanks(data.substr(0, eq));
        auto value = trim_blanks(data.substr(eq + 1));
        if (attr.empty()) {
          util::msg_warn(name_ + ": malformed attribute: missing attribute name: " + r.data);
          return;
        }
        if (attr == "create_time")
          out("create_time: " + ctime_text(value) + "\n");
        else
          out("named_attribute: " + std::string(attr) + "=" + std::string(value) + "\n");
        return;
      }
      default:
        out(std::string(record_name(r.type)) + ": " + r.data + "\n");
    }
  }

  void run(int fd) {
    mail::RecordReader reader(fd);
    if (o_.start > 0) {
      // A pipe cannot seek; reading on from its start is the best effort.
      (void)reader.seek(o_.start);
    }
    enum { kEnvelope, kContent, kExtracted } state = kEnvelope;
    bool first = true;
    bool in_header = true, line_start = true, seen_header = false;
    int jumps = 0;
    for (;;) {
      auto next = reader.next();
      if (!next) {
        std::fflush(stdout);
        util::msg_warn(name_ + ": " + next.error().message);
        util::msg_fatal("record read error");
      }
      if (!*next) return;
      const mail::Record& r = **next;
      if (first) {
        first = false;
        if (r.offset == 0) {
          if (!valid_first_type(r.type)) {
            util::msg_warn(name_ + ": input is not a valid queue file");
            return;
          }
          heading(nullptr, "ENVELOPE RECORDS");
          // Header or body only: jump straight to the content, as Postfix
          // does, so a damaged envelope does not matter.
          if (!o_.envelope && o_.start == 0 && r.type == rec::kSize) {
            if (auto size = mail::parse_size_record(r.data)) {
              if (auto s = reader.seek(size->data_offset); s) {
                state = kContent;
                in_header = line_start = true;
                seen_header = false;
                continue;
              }
            }
          }
        }
      }
      switch (r.type) {
        case rec::kPointer: {
          std::string_view digits = r.data;
          while (!digits.empty() && (digits.front() == ' ' || digits.front() == '\t'))
            digits.remove_prefix(1);
          if (digits.find_first_not_of("0123456789") != std::string_view::npos) {
            std::fflush(stdout);
            util::msg_warn(name_ + ": malformed pointer record value: " + r.data);
            util::msg_fatal("record read error");
          }
          long target = std::atol(std::string(digits).c_str());
          if (target <= 0) continue;
          if (++jumps > kMaxPointerJumps) {
            std::fflush(stdout);
            util::msg_warn(name_ + ": too many pointer records");
            util::msg_fatal("record read error");
          }
          if (auto s = reader.seek(target); !s) {
            std::fflush(stdout);
            util::msg_warn(name_ + ": " + s.error().message);
            util::msg_fatal("record read error");
          }
          continue;
        }
        case rec::kDeleted:
          continue;
        case rec::kMessage:
          if (state != kEnvelope) util::msg_warn(name_ + ": out-of-order message content marker");
          heading(&r, "MESSAGE CONTENTS");
          state = kContent;
          in_header = line_start = true;
          seen_header = false;
          continue;
        case rec::kExtract:
          if (state != kContent) util::msg_warn(name_ + ": out-of-order extracted segment marker");
          heading(&r, "HEADER EXTRACTED");
          if (!o_.envelope) return;  // nothing after X is header or body
          state = kExtracted;
          continue;
        case rec::kEnd:
          if (state != kExtracted) util::msg_warn(name_ + ": out-of-order message end marker");
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
};

}  // namespace

void print_queue_file(int fd, const std::string& name, const PrintOptions& options) {
  Printer(name, options).run(fd);
  std::fflush(stdout);
}

}  // namespace postcat
