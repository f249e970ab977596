#include "libmail/queue_listing.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <set>

#include "libmail/queue_file.h"
#include "libmail/queue_id.h"
#include "libmail/record.h"
#include "libutil/dir_walk.h"
#include "libutil/fd.h"

namespace mail {
namespace {

// Envelope records are short; a bigger one means a damaged file, and the
// bound keeps a hostile file from costing memory.
constexpr std::size_t kMaxEnvelopeRecord = 1 << 20;
// A defer log larger than this is read only this far.
constexpr std::size_t kMaxDeferLog = 4 << 20;

std::string join(const std::string& dir, const std::string& name) {
  if (dir.empty() || dir == ".") return name;
  return dir + "/" + name;
}

std::optional<std::string> read_small_file(const std::string& path) {
  util::Fd fd(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd) return std::nullopt;
  std::string out;
  char buf[8192];
  while (out.size() < kMaxDeferLog) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) return std::nullopt;
    if (n == 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}

void scan_dir(const QueueLayout& layout, const std::string& queue_name, const std::string& dir,
              int depth_left, const std::function<void(const ListedMessage&)>& visit) {
  util::DirWalkOptions options;
  options.max_depth = depth_left;
  (void)util::walk_dir(dir, options, [&](const util::DirEntry& e) {
    if (auto m = read_listed_message(layout, queue_name, e.name, e.path, e.st)) visit(*m);
  });
}

}  // namespace

const std::vector<std::string>& listed_queue_names() {
  static const std::vector<std::string> names = {"maildrop", "active", "incoming", "deferred",
                                                 "hold"};
  return names;
}

std::vector<DeferLogEntry> parse_defer_log(std::string_view text) {
  std::vector<DeferLogEntry> out;
  DeferLogEntry cur;
  auto finish = [&] {
    if (!cur.recipient.empty()) out.push_back(std::move(cur));
    cur = DeferLogEntry();
  };
  while (!text.empty()) {
    auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    if (line.empty()) {
      finish();
      continue;
    }
    if (line.front() == '<') {
      auto close = line.find(">: ");
      if (close != std::string_view::npos) {
        cur.recipient = std::string(line.substr(1, close - 1));
        cur.reason = std::string(line.substr(close + 3));
      }
      continue;
    }
    auto eq = line.find('=');
    if (eq == std::string_view::npos) continue;
    std::string_view name = line.substr(0, eq);
    std::string_view value = line.substr(eq + 1);
    if (name == "recipient") cur.recipient = std::string(value);
    if (name == "reason") cur.reason = std::string(value);
  }
  finish();
  return out;
}

std::optional<ListedMessage> read_listed_message(const QueueLayout& layout,
                                                 const std::string& queue_name,
                                                 const std::string& queue_id,
                                                 const std::string& path, const struct stat& st) {
  if (!S_ISREG(st.st_mode) || (st.st_mode & S_IRWXU) != S_IRWXU) return std::nullopt;
  if (!queue_id_ok(queue_id)) return std::nullopt;
  util::Fd fd(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd) return std::nullopt;

  ListedMessage msg;
  msg.queue_name = queue_name;
  msg.queue_id = queue_id;
  msg.size = static_cast<long>(st.st_size);
  msg.forced_expire = (st.st_mode & S_IXGRP) != 0;
  std::vector<std::string> file_rcpts;
  std::optional<SizeRecord> size;
  // Read every record, content included, rather than jump by the C record:
  // Postfix lists files whose C record is wrong, so must we.
  RecordReader reader(fd.get(), kMaxEnvelopeRecord);
  for (;;) {
    auto r = reader.next();
    if (!r) return std::nullopt;
    if (!*r) break;
    const Record& rec = **r;
    if (rec.type == rec::kEnd) break;
    switch (rec.type) {
      case rec::kSize:
        if (!size && (size = parse_size_record(rec.data))) msg.size = size->content_size;
        break;
      case rec::kTime:
        std::sscanf(rec.data.c_str(), "%ld", &msg.arrival_time);
        break;
      case rec::kFrom:
        msg.sender = rec.data;
        break;
      case rec::kRcpt:
        file_rcpts.push_back(rec.data);
        break;
      default:
        break;
    }
  }

  std::set<std::string> shown;
  std::string defer_path =
      join(layout.queue_directory,
           queue_file_path("defer", queue_id, layout.hash_queue_names, layout.hash_queue_depth));
  if (auto log = read_small_file(defer_path)) {
    msg.has_defer_log = true;
    for (auto& e : parse_defer_log(*log)) {
      shown.insert(e.recipient);
      msg.recipients.push_back({std::move(e.recipient), std::move(e.reason)});
    }
  }
  for (auto& r : file_rcpts) {
    if (!shown.insert(r).second) continue;
    msg.recipients.push_back({std::move(r), std::nullopt});
  }
  return msg;
}

void scan_queues(const QueueLayout& layout,
                 const std::function<void(const ListedMessage&)>& visit) {
  for (const auto& queue : listed_queue_names()) {
    bool hashed = false;
    for (const auto& h : layout.hash_queue_names) hashed = hashed || h == queue;
    std::string dir = join(layout.queue_directory, queue);
    scan_dir(layout, queue, dir, hashed ? layout.hash_queue_depth : 0, visit);
  }
}

std::vector<ListedMessage> list_queues(const QueueLayout& layout) {
  std::vector<ListedMessage> out;
  scan_queues(layout, [&](const ListedMessage& m) { out.push_back(m); });
  return out;
}

}  // namespace mail
