// Buffered stream with per-operation deadlines (stream.h).
#include "libutil/stream.h"

#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <time.h>

#include <algorithm>
#include <cerrno>

#include "libutil/os.h"

namespace util {
namespace {

constexpr size_t kReadChunk = 8192;
constexpr size_t kWriteHighWater = 8192;

// write() to a pipe whose reader is gone raises SIGPIPE, which would kill a
// process that did not ignore it; block it around the call and swallow the
// one we caused so the caller just sees EPIPE.
ssize_t write_no_sigpipe(int fd, const char* p, size_t len) {
  sigset_t pipe_set, old_set;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  sigset_t pending;
  sigpending(&pending);
  bool was_pending = sigismember(&pending, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_set, &old_set);
  ssize_t n = os::write(fd, p, len);
  int saved = errno;
  if (n < 0 && saved == EPIPE && !was_pending) {
    struct timespec zero {0, 0};
    sigtimedwait(&pipe_set, nullptr, &zero);
  }
  pthread_sigmask(SIG_SETMASK, &old_set, nullptr);
  errno = saved;
  return n;
}

}  // namespace

Stream::Stream(Fd fd, Duration timeout) : fd_(std::move(fd)), timeout_(timeout) {
  struct stat st {};
  is_socket_ = fd_.valid() && ::fstat(fd_.get(), &st) == 0 && S_ISSOCK(st.st_mode);
}

Stream::Stream(Fd in, Fd out, Duration timeout)
    : fd_(std::move(in)), out_fd_(std::move(out)), timeout_(timeout) {
  struct stat st {};
  is_socket_ = out_fd_.valid() && ::fstat(out_fd_.get(), &st) == 0 && S_ISSOCK(st.st_mode);
}

Stream::Stream(Stream&&) noexcept = default;
Stream& Stream::operator=(Stream&&) noexcept = default;
Stream::~Stream() = default;

void Stream::set_transport(std::unique_ptr<StreamTransport> transport) {
  transport_ = std::move(transport);
}

Result<void> Stream::wait_for(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() < 0) left = std::chrono::milliseconds(0);
    struct pollfd p {fd, events, 0};
    int n = ::poll(&p, 1, static_cast<int>(std::min<long long>(left.count(), 1 << 30)));
    if (n > 0) return {};  // POLLHUP/POLLERR: let read/write report what happened
    if (n == 0) return fail_kind(ErrorKind::kTimeout, "timeout");
    if (errno != EINTR) return fail_errno("poll");
  }
}

void Stream::compact() {
  if (in_pos_ == in_.size()) {
    in_.clear();
    in_pos_ = 0;
  } else if (in_pos_ > kReadChunk) {
    in_.erase(0, in_pos_);
    in_pos_ = 0;
  }
}

Result<void> Stream::fill(Clock::time_point deadline) {
  compact();
  short want = POLLIN;
  bool must_wait = !(transport_ && transport_->has_pending());
  for (;;) {
    if (must_wait) {
      if (auto w = wait_for(fd_.get(), want, deadline); !w) return w;
    }
    must_wait = true;
    want = POLLIN;
    char buf[kReadChunk];
    ssize_t n = transport_ ? transport_->read(fd_.get(), buf, sizeof buf, &want)
                           : os::read(fd_.get(), buf, sizeof buf);
    if (n > 0) {
      in_.append(buf, static_cast<size_t>(n));
      return {};
    }
    if (n == 0) return fail_kind(ErrorKind::kEof, "lost connection");
    if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) continue;
    return fail_errno("read");
  }
}

Result<Line> Stream::read_until(char delimiter, size_t max) {
  auto until = deadline();
  size_t scanned = 0;  // bytes after in_pos_ already known to hold no newline
  for (;;) {
    std::string_view avail(in_.data() + in_pos_, in_.size() - in_pos_);
    size_t limit = std::min(avail.size(), max + 1);
    size_t nl = avail.substr(0, limit).find(delimiter, scanned);
    if (nl != std::string_view::npos && nl <= max) {
      Line line{std::string(avail.substr(0, nl)), LineEnd::kNewline};
      in_pos_ += nl + 1;
      return line;
    }
    if (avail.size() >= max) {
      Line line{std::string(avail.substr(0, max)), LineEnd::kTooLong};
      in_pos_ += max;
      return line;
    }
    scanned = avail.size();
    if (auto r = fill(until); !r) {
      if (r.error().kind == ErrorKind::kEof && buffered() > 0) {
        Line line{in_.substr(in_pos_), LineEnd::kEof};
        in_pos_ = in_.size();
        return line;
      }
      return std::unexpected(r.error());
    }
    // fill() may have compacted the buffer, but `scanned` is relative to
    // in_pos_ and stays valid.
  }
}

Result<void> Stream::skip_rest_of_line() {
  auto until = deadline();
  for (;;) {
    std::string_view avail(in_.data() + in_pos_, in_.size() - in_pos_);
    size_t nl = avail.find('\n');
    if (nl != std::string_view::npos) {
      in_pos_ += nl + 1;
      return {};
    }
    in_pos_ = in_.size();
    if (auto r = fill(until); !r) return r;
  }
}

Result<std::string> Stream::read_exact(size_t n) {
  auto until = deadline();
  while (buffered() < n) {
    if (auto r = fill(until); !r) return std::unexpected(r.error());
  }
  std::string out = in_.substr(in_pos_, n);
  in_pos_ += n;
  return out;
}

Result<std::string> Stream::read_some(size_t max) {
  if (buffered() == 0) {
    if (auto r = fill(deadline()); !r) return std::unexpected(r.error());
  }
  size_t n = std::min(max, buffered());
  std::string out = in_.substr(in_pos_, n);
  in_pos_ += n;
  return out;
}

Result<bool> Stream::readable(Duration wait) {
  if (buffered() > 0 || (transport_ && transport_->has_pending())) return true;
  auto r = wait_for(fd_.get(), POLLIN, Clock::now() + wait);
  if (r) return true;
  if (r.error().kind == ErrorKind::kTimeout) return false;
  return std::unexpected(r.error());
}

Result<void> Stream::write(std::string_view data) {
  out_.append(data);
  if (out_.size() >= kWriteHighWater) return flush();
  return {};
}

Result<void> Stream::flush() {
  auto until = deadline();
  size_t done = 0;
  Result<void> result;
  short want = POLLOUT;
  while (done < out_.size()) {
    if (auto w = wait_for(write_fd(), want, until); !w) {
      result = w;
      break;
    }
    want = POLLOUT;
    const char* p = out_.data() + done;
    size_t len = out_.size() - done;
    ssize_t n = transport_ ? transport_->write(fd_.get(), p, len, &want)
                : is_socket_ ? os::send(write_fd(), p, len)
                             : write_no_sigpipe(write_fd(), p, len);
    if (n >= 0) {
      done += static_cast<size_t>(n);
      continue;
    }
    if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) continue;
    result = fail_errno("write");
    break;
  }
  out_.erase(0, done);
  return result;
}

}  // namespace util
