#include "libmail/pickup_copy.h"

#include <cstdlib>

#include "libmail/mail_date.h"

namespace mail {
namespace {

// Record types a segment may hold besides its terminator. Pointer and
// deleted records never reach these checks (next_record handles them).
constexpr std::string_view kEnvelopeTypes = "CcTFILSDRO/WVAK>Pref<ino";
constexpr std::string_view kContentTypes = "NL";
constexpr std::string_view kExtractedTypes = "FILSDRO/WVAK>Pref<ino";

// Reader failures count as Postfix's REC_TYPE_EOF (-1) at a clean end of
// input and REC_TYPE_ERROR (-2) for a damaged record.
constexpr int kTypeEof = -1;
constexpr int kTypeError = -2;
// More pointer hops than this is a loop in a damaged file.
constexpr long kMaxPointerHops = 10000;

std::string_view attribute_name(std::string_view payload) {
  auto eq = payload.find('=');
  return eq == std::string_view::npos ? std::string_view() : payload.substr(0, eq);
}

// The attributes that stand for DSN records in the extracted segment; any
// other A there is a header/body-check leftover that a requeue drops.
bool dsn_attribute(std::string_view name) {
  return name == "envelope_id" || name == "ret_flags" || name == "notify_flags" ||
         name == "dsn_orig_rcpt";
}

}  // namespace

util::Result<void> PickupCopy::emit(char type, std::string_view payload) {
  auto written = out_(type, payload);
  if (!written) {
    util::Error e = written.error();
    // Whatever the writer says, it is not the file's fault.
    if (e.kind == util::ErrorKind::kMalformed) e.kind = util::ErrorKind::kOther;
    return std::unexpected(std::move(e));
  }
  return {};
}

std::unexpected<util::Error> PickupCopy::malformed(int type) {
  return util::fail_kind(util::ErrorKind::kMalformed,
                         "uid=" + std::to_string(source_.owner) +
                             ": unexpected or malformed record type " + std::to_string(type));
}

util::Result<std::optional<Record>> PickupCopy::next_record() {
  for (;;) {
    auto record = reader_.next();
    if (!record) {
      detail_ = source_.path + ": " + record.error().message;
      return malformed(kTypeError);
    }
    if (!*record) return std::optional<Record>();
    if ((*record)->type == rec::kDeleted) continue;
    if ((*record)->type != rec::kPointer) return record;
    // A file edited in place (a requeued queue file) continues elsewhere.
    const std::string& text = (*record)->data;
    char* end = nullptr;
    long offset = std::strtol(text.c_str(), &end, 10);
    if (end == text.c_str() || offset < 0 || ++pointer_hops_ > kMaxPointerHops) {
      detail_ = source_.path + ": malformed pointer record value: " + text;
      return malformed(kTypeError);
    }
    if (offset == 0) continue;  // a reserved slot, not a jump
    if (auto moved = reader_.seek(offset); !moved) {
      detail_ = source_.path + ": " + moved.error().message;
      return malformed(kTypeError);
    }
  }
}

util::Result<void> PickupCopy::copy_segment(Segment segment) {
  char terminator = segment == Segment::kEnvelope  ? rec::kMessage
                    : segment == Segment::kContent ? rec::kExtract
                                                   : rec::kEnd;
  std::string_view allowed = segment == Segment::kEnvelope  ? kEnvelopeTypes
                             : segment == Segment::kContent ? kContentTypes
                                                            : kExtractedTypes;
  bool first_content = segment == Segment::kContent;
  for (;;) {
    auto next = next_record();
    if (!next) return std::unexpected(next.error());
    if (!*next) return malformed(kTypeEof);
    const Record& r = **next;
    if (r.type == terminator) return {};
    if (allowed.find(r.type) == std::string_view::npos)
      return malformed(static_cast<unsigned char>(r.type));

    if (segment == Segment::kEnvelope) {
      if (r.type == rec::kFrom) {
        if (!sender_seen_) sender_ = r.data, sender_seen_ = true;
        // Old files put S before T; the file's age stands in for it.
        if (!time_seen_) {
          if (auto w = emit(rec::kTime, std::to_string(source_.mtime)); !w) return w;
          time_seen_ = true;
        }
      }
      if (r.type == rec::kTime) time_seen_ = true;
      // cleanup writes its own size and creation time.
      if (r.type == rec::kSize || r.type == rec::kCreateTime) continue;
      if (r.type == rec::kAttr && attribute_name(r.data) == "create_time") continue;
    }
    if (segment != Segment::kContent) {
      // A requeued message is filtered and redirected afresh.
      if (r.type == rec::kFilter || r.type == rec::kRedirect) continue;
    }
    if (segment == Segment::kExtracted) {
      if (r.type == rec::kReturnReceipt || r.type == rec::kErrorsTo) continue;
      if (r.type == rec::kAttr) {
        std::string_view name = attribute_name(r.data);
        if (!name.empty() && !dsn_attribute(name)) continue;
      }
    }
    if (first_content) {
      first_content = false;
      // Content that starts with white space would continue our Received:.
      if (!r.data.empty() && (r.data[0] == ' ' || r.data[0] == '\t'))
        if (auto w = emit(rec::kNorm, ""); !w) return w;
    }
    if (auto w = emit(r.type, r.data); !w) return w;
  }
}

util::Result<std::string> PickupCopy::copy_envelope() {
  if (!source_.content_filter.empty())
    if (auto w = emit(rec::kFilter, source_.content_filter); !w) return std::unexpected(w.error());
  if (auto copied = copy_segment(Segment::kEnvelope); !copied)
    return std::unexpected(copied.error());
  if (!sender_seen_)
    return util::fail_kind(util::ErrorKind::kMalformed, source_.queue_id + ": uid=" +
                                                            std::to_string(source_.owner) +
                                                            ": no envelope sender");
  return sender_;
}

util::Result<void> PickupCopy::copy_rest() {
  if (auto w = emit(rec::kMessage, ""); !w) return w;
  if (auto w = emit(rec::kNorm, "Received: by " + source_.myhostname + " (" + source_.mail_name +
                                    ", from userid " + std::to_string(source_.owner) + ")");
      !w)
    return w;
  if (auto w = emit(rec::kNorm, "\tid " + source_.queue_id + "; " + mail_date(source_.mtime)); !w)
    return w;
  if (auto copied = copy_segment(Segment::kContent); !copied) return copied;
  if (auto w = emit(rec::kExtract, ""); !w) return w;
  if (auto copied = copy_segment(Segment::kExtracted); !copied) return copied;
  return emit(rec::kEnd, "");
}

}  // namespace mail
