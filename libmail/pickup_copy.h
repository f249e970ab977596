// mail::PickupCopy: how pickup turns one maildrop file (postdrop's, or a
// queue file that `postsuper -r` moved there) into the record stream it
// sends to cleanup, as Postfix 3.7's pickup does:
//   [L content_filter]  the envelope records as in the file (T synthesised
//   from the file's mtime when S comes first; no C, no create_time, no
//   content-filter or redirect record left by an earlier life)
//   M  N "Received: by HOST (Postfix, from userid UID)"
//      N "\tid NEWID; DATE"   [an empty N when the content starts with
//   white space, so it cannot continue that header]  the content
//   X  the extracted records (old header/body action records dropped)  E
// Split in two steps so the daemon can log "NEWID: uid=N from=<S>" between
// the envelope and the content, where Postfix logs it.
// Used by pickup/; unit-tested on the sample maildrop files.
// Easy to get wrong: a malformed file (a bad record, a record type that does
// not belong in its segment, a missing E) is the file's fault and it is
// removed (kind kMalformed), while a failure to write to cleanup is not
// and the file must stay for the next scan (any other kind).
#pragma once

#include <sys/types.h>

#include <ctime>
#include <functional>
#include <string>
#include <string_view>

#include "libmail/record.h"
#include "libutil/error.h"

namespace mail {

struct PickupSource {
  std::string path;         // "maildrop/ID", for warnings
  uid_t owner = 0;          // the submitter (st_uid): Received's userid
  std::time_t mtime = 0;    // Received's date, and T when the file has none
  std::string queue_id;     // the NEW id cleanup gave
  std::string myhostname;
  std::string mail_name = "Postfix";
  std::string content_filter;  // $content_filter, empty for none
};

// Where records go: CleanupClient::write_record in the daemon, a string in
// tests. An error here is a cleanup (write) failure, never kMalformed.
using PickupRecordWriter = std::function<util::Result<void>(char type, std::string_view payload)>;

class PickupCopy {
 public:
  // `reader` reads the maildrop file (bounded by line_length_limit).
  PickupCopy(RecordReader& reader, const PickupSource& source, PickupRecordWriter out)
      : reader_(reader), source_(source), out_(std::move(out)) {}

  // [L], the envelope up to (not including) M. Returns the sender as found
  // in the file. kMalformed errors carry the warning text without
  // "warning: ": "uid=0: unexpected or malformed record type 90",
  // "NEWID: uid=0: no envelope sender"; `detail()` may hold one more line
  // to log first (the record reader's "maildrop/ID: illegal length ...").
  util::Result<std::string> copy_envelope();
  // M, the Received header, the content, X, the extracted records, E.
  util::Result<void> copy_rest();

  const std::string& detail() const { return detail_; }

 private:
  enum class Segment { kEnvelope, kContent, kExtracted };
  // Copy records of `segment` until its terminator (M, X or E), which is
  // consumed but not written.
  util::Result<void> copy_segment(Segment segment);
  // The next record, following pointer records and skipping deleted ones.
  util::Result<std::optional<Record>> next_record();
  util::Result<void> emit(char type, std::string_view payload);
  std::unexpected<util::Error> malformed(int type);

  RecordReader& reader_;
  PickupSource source_;
  PickupRecordWriter out_;
  std::string sender_;
  bool sender_seen_ = false;
  bool time_seen_ = false;
  std::string detail_;
  long pointer_hops_ = 0;
};

}  // namespace mail
