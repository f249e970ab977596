// Queue-file records: one type byte, a base-128 length (low 7 bits first,
// 0x80 on every byte but the last) and the payload. Used by queue_file (the
// typed model), postcat, and later cleanup/qmgr/pickup/postdrop.
// Easy to get wrong: the length is decoded as Postfix does, into a 32-bit
// signed int (at most 5 length bytes, "too many length bits" after that, a
// negative result is an "illegal length"), and the payload is read in
// bounded chunks, so a corrupt file claiming a 2 GB record costs no 2 GB
// allocation: it ends in "unexpected EOF in data".
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "libutil/error.h"

namespace mail {

// Record type bytes (Postfix's letters; `L` is a continued text line inside
// the content and a content filter elsewhere).
namespace rec {
inline constexpr char kSize = 'C';
inline constexpr char kTime = 'T';
inline constexpr char kCreateTime = 'c';
inline constexpr char kFullName = 'F';
inline constexpr char kInspector = 'I';
inline constexpr char kFilter = 'L';
inline constexpr char kFrom = 'S';
inline constexpr char kDone = 'D';
inline constexpr char kRcpt = 'R';
inline constexpr char kOrigRcpt = 'O';
inline constexpr char kCanceled = '/';
inline constexpr char kWarn = 'W';
inline constexpr char kAttr = 'A';
inline constexpr char kKill = 'K';
inline constexpr char kRedirect = '>';
inline constexpr char kVerp = 'V';
inline constexpr char kPriority = 'P';
inline constexpr char kReturnReceipt = 'r';
inline constexpr char kErrorsTo = 'e';
inline constexpr char kFlags = 'f';
inline constexpr char kDsnRet = '<';
inline constexpr char kDsnEnvid = 'i';
inline constexpr char kDsnNotify = 'n';
inline constexpr char kDsnOrcpt = 'o';
inline constexpr char kMessage = 'M';
inline constexpr char kNorm = 'N';
inline constexpr char kCont = 'L';
inline constexpr char kPointer = 'p';
inline constexpr char kDeleted = 'w';  // padding left by in-place edits
inline constexpr char kExtract = 'X';
inline constexpr char kEnd = 'E';
}  // namespace rec

// Postfix's default line_length_limit: longer text lines become L pieces.
inline constexpr std::size_t kLineLengthLimit = 2048;

struct Record {
  char type = 0;
  std::string data;
  off_t offset = 0;  // file offset of the type byte
  bool operator==(const Record&) const = default;
};

// The encoded size of a record with this payload length.
std::size_t record_size(std::size_t payload_length);
// Append one encoded record to `out`.
void append_record(std::string& out, char type, std::string_view payload);
// Append a text line as N, or L pieces of `limit` bytes then a final N.
void append_text_line(std::string& out, std::string_view line,
                      std::size_t limit = kLineLengthLimit);

// Reads records from an fd (not owned) or from memory.
class RecordReader {
 public:
  // max_length 0: no bound on a record's length beyond what the file holds.
  explicit RecordReader(int fd, std::size_t max_length = 0);
  explicit RecordReader(std::string_view data, std::size_t max_length = 0);

  // The next record, nullopt at a clean end of input (at a record boundary).
  // Errors say what Postfix says: "unexpected EOF reading length, record
  // type 84", "too many length bits, record type 84", "illegal length -1,
  // record type 84", "unexpected EOF in data, record type 84 length 952".
  util::Result<std::optional<Record>> next();
  // The next byte (a record's type byte at a record boundary) without
  // consuming it; -1 at the end of input. Postfix judges a file by its first
  // type byte before reading any length.
  int peek();
  // Offset of the next record.
  off_t offset() const { return offset_; }
  // Continue reading at `offset` (follows a pointer record, postcat -s).
  util::Result<void> seek(off_t offset);

 private:
  int get_byte();  // -1 at end of input; sets io_error_ on a read error
  bool fill();

  int fd_ = -1;
  std::string_view mem_;
  std::string buf_;
  std::size_t pos_ = 0;  // next unread byte in buf_ (fd) or mem_ (memory)
  std::size_t max_length_ = 0;
  off_t offset_ = 0;
  int io_errno_ = 0;
};

// Every record of a whole file image, or the first error.
util::Result<std::vector<Record>> parse_records(std::string_view data, std::size_t max_length = 0,
                                                std::size_t max_count = 0);

}  // namespace mail
