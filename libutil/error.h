// util::Error and util::Result: how I/O and untrusted input report failure.
// Used by every layer; the caller decides whether a failure means reply 4xx,
// defer, skip a line or fatal. Keep `message` in Postfix's words, since it is
// often printed as is after "program: warning: " or "fatal: ".
#pragma once

#include <cerrno>
#include <cstring>
#include <expected>
#include <string>
#include <utility>

namespace util {

// What went wrong, for callers that must react differently (an SMTP session
// ends quietly on EOF but logs "timeout after CMD" on a timeout).
enum class ErrorKind {
  kOther,      // anything else; sys_errno says more when set
  kEof,        // the peer closed the connection
  kTimeout,    // a deadline passed
  kTooLong,    // a line, name, value or count exceeded its bound
  kMalformed,  // input that breaks the protocol or format
};

struct Error {
  std::string message;
  int sys_errno = 0;  // errno of the failed system call, 0 if none
  ErrorKind kind = ErrorKind::kOther;
};

template <class T>
using Result = std::expected<T, Error>;

inline std::unexpected<Error> fail(std::string message, int sys_errno = 0) {
  return std::unexpected<Error>(Error{std::move(message), sys_errno});
}

inline std::unexpected<Error> fail_kind(ErrorKind kind, std::string message) {
  return std::unexpected<Error>(Error{std::move(message), 0, kind});
}

// "open FILE: No such file or directory", the form Postfix prints.
inline std::unexpected<Error> fail_errno(const std::string& what, int sys_errno = errno) {
  return fail(what + ": " + std::strerror(sys_errno), sys_errno);
}

}  // namespace util
