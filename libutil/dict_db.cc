#include "libutil/dict_db.h"

#include <db.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "libutil/dict_types.h"
#include "libutil/fd.h"
#include "libutil/log.h"
#include "libutil/os.h"
#include "libutil/strings.h"

namespace util {
namespace {

// Postfix's sizing, so files built here dump like Postfix's (tables.md §2).
constexpr u_int32_t kPageSize = 4096;
constexpr u_int32_t kHashElements = 4096;
// A bulk build touches every page; a bigger cache saves re-reads (Postfix
// uses 16MB for builds as well). Lookups keep Berkeley DB's default.
constexpr u_int32_t kBuildCacheBytes = 16 * 1024 * 1024;

struct DbCloser {
  void operator()(DB* db) const { db->close(db, 0); }
};
using DbHandle = std::unique_ptr<DB, DbCloser>;

struct CursorCloser {
  void operator()(DBC* c) const { c->close(c); }
};
using CursorHandle = std::unique_ptr<DBC, CursorCloser>;

// Berkeley DB prints its own complaints ("BDB0641 __db_meta_setup: ...") to
// stderr unless told otherwise; we report errors ourselves.
void ignore_db_message(const DB_ENV*, const char*, const char*) {}

std::string db_error_text(int err) {
  return err > 0 ? std::string(std::strerror(err)) : std::string(db_strerror(err));
}

DBT make_dbt(const std::string& bytes) {
  DBT d;
  std::memset(&d, 0, sizeof d);
  d.data = const_cast<char*>(bytes.data());
  d.size = static_cast<u_int32_t>(bytes.size());
  return d;
}

DBT empty_dbt() {
  DBT d;
  std::memset(&d, 0, sizeof d);
  return d;
}

// Postfix writes C strings including their NUL; callers want the text.
std::string_view dbt_text(const DBT& d) {
  std::string_view s(static_cast<const char*>(d.data), d.size);
  if (!s.empty() && s.back() == '\0') s.remove_suffix(1);
  return s;
}

// A whole-file flock held for one scope; blocking, as Postfix's readers and
// writers wait for each other.
class FlockScope {
 public:
  FlockScope(int fd, int op) : fd_(fd) {
    if (fd_ < 0) return;
    while (::flock(fd_, op) < 0 && errno == EINTR) {
    }
  }
  FlockScope(const FlockScope&) = delete;
  FlockScope& operator=(const FlockScope&) = delete;
  ~FlockScope() {
    if (fd_ >= 0) ::flock(fd_, LOCK_UN);
  }

 private:
  int fd_;
};

Result<DbHandle> open_handle(DBTYPE type, const std::string& path, u_int32_t flags, int mode,
                             bool building) {
  DB* raw = nullptr;
  if (int err = db_create(&raw, nullptr, 0); err != 0)
    return fail("open database " + path + ": " + db_error_text(err), err > 0 ? err : 0);
  DbHandle db(raw);
  db->set_errcall(raw, ignore_db_message);
  db->set_pagesize(raw, kPageSize);
  if (type == DB_HASH) db->set_h_nelem(raw, kHashElements);
  if (building) db->set_cachesize(raw, 0, kBuildCacheBytes, 0);
  if (int err = db->open(raw, nullptr, path.c_str(), nullptr, type, flags, mode); err != 0)
    return fail("open database " + path + ": " + db_error_text(err), err > 0 ? err : EINVAL);
  // Berkeley DB opens its file without close-on-exec; a daemon's children
  // (pipe deliveries) must not inherit table files.
  int dbfd = -1;
  if (db->fd(raw, &dbfd) == 0 && dbfd >= 0) ::fcntl(dbfd, F_SETFD, FD_CLOEXEC);
  return db;
}

enum class NulForm { kUnknown, kWith, kWithout };

class DbDict : public Dict {
 public:
  DbDict(std::string type, std::string name, DBTYPE db_type, std::string path,
         const DictOpenOptions& options)
      : Dict(std::move(type), std::move(name)),
        db_type_(db_type),
        path_(std::move(path)),
        options_(options) {}

  ~DbDict() override {
    // Close (and so flush) the database while a writer still holds its lock.
    db_.reset();
    if (!tmp_path_.empty()) os::unlink(tmp_path_.c_str());  // never committed
  }

  Result<void> open_reader() {
    lock_fd_.reset(os::open(path_.c_str(), O_RDONLY));
    if (!lock_fd_) return fail_errno("open database " + path_);
    remember_file();
    auto db = open_handle(db_type_, path_, DB_RDONLY, 0, false);
    if (!db) return std::unexpected(db.error());
    db_ = std::move(*db);
    return {};
  }

  // postmap -i / -d: update the file in place under an exclusive lock held
  // until the table is closed, as Postfix does.
  Result<void> open_writer() {
    lock_fd_.reset(os::open(path_.c_str(), O_RDWR | O_CREAT, options_.create_mode));
    if (!lock_fd_) return fail_errno("open database " + path_);
    while (::flock(lock_fd_.get(), LOCK_EX) < 0) {
      if (errno != EINTR) return fail_errno("lock database " + path_);
    }
    writer_lock_ = true;
    auto db = open_handle(db_type_, path_, DB_CREATE, options_.create_mode, false);
    if (!db) return std::unexpected(db.error());
    db_ = std::move(*db);
    remember_file();
    return {};
  }

  // postmap FILE: a fresh table in a temporary file beside the real one.
  Result<void> open_builder() {
    form_ = options_.append_nul ? NulForm::kWith : NulForm::kWithout;
    std::string pattern = path_ + ".XXXXXX";
    std::vector<char> buf(pattern.begin(), pattern.end());
    buf.push_back('\0');
    Fd reserved(::mkstemp(buf.data()));
    if (!reserved) return fail_errno("open database " + path_);
    reserved.reset();
    std::string tmp(buf.data());
    // Berkeley DB wants to create the file itself; DB_EXCL keeps the name ours.
    os::unlink(tmp.c_str());
    auto db = open_handle(db_type_, tmp, DB_CREATE | DB_EXCL, options_.create_mode, true);
    if (!db) return std::unexpected(db.error());
    db_ = std::move(*db);
    tmp_path_ = tmp;
    int dbfd = -1;
    if (db_->fd(db_.get(), &dbfd) == 0 && os::fchmod(dbfd, options_.create_mode) < 0)
      return fail_errno("fchmod " + tmp_path_);
    return {};
  }

  Result<std::optional<std::string>> lookup(std::string_view key) override {
    std::string k = fold(key);
    FlockScope lock(shared_lock_fd(), LOCK_SH);
    if (form_ != NulForm::kWithout) {
      auto r = get(k + '\0');
      if (!r) return std::unexpected(r.error());
      if (*r) {
        form_ = NulForm::kWith;
        return r;
      }
    }
    if (form_ != NulForm::kWith) {
      auto r = get(k);
      if (!r) return std::unexpected(r.error());
      if (*r) form_ = NulForm::kWithout;
      return r;
    }
    return std::nullopt;
  }

  Result<void> update(std::string_view key, std::string_view value) override {
    if (form_ == NulForm::kUnknown) form_ = options_.append_nul ? NulForm::kWith : NulForm::kWithout;
    std::string k = fold(key);
    std::string kb = k, vb(value);
    if (form_ == NulForm::kWith) {
      kb.push_back('\0');
      vb.push_back('\0');
    }
    DBT dk = make_dbt(kb), dv = make_dbt(vb);
    u_int32_t flags = options_.duplicates == DictDuplicates::kReplace ? 0 : DB_NOOVERWRITE;
    int err = db_->put(db_.get(), nullptr, &dk, &dv, flags);
    if (err == DB_KEYEXIST) {
      if (options_.duplicates == DictDuplicates::kWarn)
        msg_warn(path_ + ": duplicate entry: \"" + k + "\"");
      return {};
    }
    if (err != 0) return fail("error writing " + path_ + ": " + db_error_text(err));
    return {};
  }

  Result<bool> remove(std::string_view key) override {
    std::string k = fold(key);
    for (NulForm f : {NulForm::kWith, NulForm::kWithout}) {
      if (form_ != NulForm::kUnknown && form_ != f) continue;
      std::string kb = k;
      if (f == NulForm::kWith) kb.push_back('\0');
      DBT dk = make_dbt(kb);
      int err = db_->del(db_.get(), nullptr, &dk, 0);
      if (err == 0) {
        form_ = f;
        return true;
      }
      if (err != DB_NOTFOUND) return fail("error deleting from " + path_ + ": " + db_error_text(err));
    }
    return false;
  }

  Result<void> for_each(
      const std::function<void(std::string_view, std::string_view)>& fn) override {
    FlockScope lock(shared_lock_fd(), LOCK_SH);
    DBC* raw = nullptr;
    if (int err = db_->cursor(db_.get(), nullptr, &raw, 0); err != 0)
      return fail("error reading " + path_ + ": " + db_error_text(err));
    CursorHandle cursor(raw);
    for (;;) {
      DBT k = empty_dbt(), v = empty_dbt();
      int err = cursor->get(raw, &k, &v, DB_NEXT);
      if (err == DB_NOTFOUND) return {};
      if (err != 0) return fail("error reading " + path_ + ": " + db_error_text(err));
      fn(dbt_text(k), dbt_text(v));
    }
  }

  Result<void> commit() override {
    int dbfd = -1;
    if (int err = db_->sync(db_.get(), 0); err != 0)
      return fail("error writing " + path_ + ": " + db_error_text(err));
    if (db_->fd(db_.get(), &dbfd) == 0 && os::fsync(dbfd) < 0) return fail_errno("fsync " + path_);
    if (tmp_path_.empty()) return {};
    DB* raw = db_.release();
    if (int err = raw->close(raw, 0); err != 0)
      return fail("close database " + path_ + ": " + db_error_text(err));
    if (os::rename(tmp_path_.c_str(), path_.c_str()) < 0) return fail_errno("rename " + tmp_path_ + " to " + path_);
    tmp_path_.clear();
    sync_directory();
    // Keep answering lookups, now from the committed file.
    return open_reader();
  }

  bool changed() const override {
    if (!stat_known_) return false;
    struct stat now {};
    if (::fstat(lock_fd_.get(), &now) < 0) return true;
    if (now.st_mtim.tv_sec != mtime_.tv_sec || now.st_mtim.tv_nsec != mtime_.tv_nsec ||
        now.st_nlink == 0)
      return true;
    // A rebuild renames a new file over the old name (nlink 0 above). A
    // name we cannot see (a chrooted daemon: the table lives outside the
    // jail) says nothing about a change.
    if (::stat(path_.c_str(), &now) < 0) return false;
    return now.st_ino != ino_ || now.st_dev != dev_;
  }

 private:
  std::string fold(std::string_view key) const {
    return options_.fold_case ? lowercase(key) : std::string(key);
  }

  // Readers share-lock around each access; a writer already holds LOCK_EX.
  int shared_lock_fd() const { return writer_lock_ ? -1 : lock_fd_.get(); }

  Result<std::optional<std::string>> get(const std::string& key_bytes) {
    DBT k = make_dbt(key_bytes), v = empty_dbt();
    int err = db_->get(db_.get(), nullptr, &k, &v, 0);
    if (err == DB_NOTFOUND || err == DB_KEYEMPTY) return std::nullopt;
    if (err != 0) return fail("error reading " + path_ + ": " + db_error_text(err));
    return std::string(dbt_text(v));
  }

  void remember_file() {
    struct stat st {};
    if (::fstat(lock_fd_.get(), &st) < 0) return;
    mtime_ = st.st_mtim;
    ino_ = st.st_ino;
    dev_ = st.st_dev;
    stat_known_ = true;
  }

  void sync_directory() {
    size_t slash = path_.rfind('/');
    std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : path_.substr(0, slash);
    Fd fd(os::open(dir.c_str(), O_RDONLY | O_DIRECTORY));
    if (fd) os::fsync(fd.get());
  }

  DBTYPE db_type_;
  std::string path_;
  DictOpenOptions options_;
  DbHandle db_;
  Fd lock_fd_;
  bool writer_lock_ = false;
  std::string tmp_path_;
  NulForm form_ = NulForm::kUnknown;
  bool stat_known_ = false;
  struct timespec mtime_ {};
  ino_t ino_ = 0;
  dev_t dev_ = 0;
};

}  // namespace

Result<std::unique_ptr<Dict>> open_db_dict(DbKind kind, std::string_view name,
                                           const DictOpenOptions& options) {
  const bool hash = kind == DbKind::kHash;
  auto dict = std::make_unique<DbDict>(hash ? "hash" : "btree", std::string(name),
                                       hash ? DB_HASH : DB_BTREE, std::string(name) + ".db",
                                       options);
  Result<void> opened = options.create     ? dict->open_builder()
                        : options.writable ? dict->open_writer()
                                           : dict->open_reader();
  if (!opened) return std::unexpected(opened.error());
  return std::unique_ptr<Dict>(std::move(dict));
}

Result<std::unique_ptr<Dict>> open_hash_dict(std::string_view name, const DictOpenOptions& o) {
  return open_db_dict(DbKind::kHash, name, o);
}

Result<std::unique_ptr<Dict>> open_btree_dict(std::string_view name, const DictOpenOptions& o) {
  return open_db_dict(DbKind::kBtree, name, o);
}

}  // namespace util
