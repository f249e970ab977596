// postmap/postalias table building; see table_build.h.
#include "libmail/table_build.h"

#include <grp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <cstdio>
#include <ctime>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "libmail/alias_source.h"
#include "libmail/table_base64.h"
#include "libutil/dict.h"
#include "libutil/dict_source.h"
#include "libutil/log.h"
#include "libutil/strings.h"
#include "libutil/utf8_fold.h"

namespace mail {
namespace {

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using FilePtr = std::unique_ptr<std::FILE, FileCloser>;

// Runs as another user (effective ids only) for the lifetime of the object,
// so the next table named on the command line starts as root again.
class EffectiveIds {
 public:
  EffectiveIds(uid_t uid, gid_t gid) {
    int n = getgroups(0, nullptr);
    if (n > 0) {
      saved_groups_.resize(static_cast<size_t>(n));
      n = getgroups(n, saved_groups_.data());
      saved_groups_.resize(n > 0 ? static_cast<size_t>(n) : 0);
    }
    saved_gid_ = getegid();
    if (setgroups(1, &gid) < 0 || setegid(gid) < 0 || seteuid(uid) < 0)
      util::msg_fatal("set_eugid: " + std::string(std::strerror(errno)));
    active_ = true;
  }
  EffectiveIds(const EffectiveIds&) = delete;
  EffectiveIds& operator=(const EffectiveIds&) = delete;
  ~EffectiveIds() {
    if (!active_) return;
    // Back to root first: only root may change the group ids again.
    if (seteuid(0) < 0 || setegid(saved_gid_) < 0 ||
        setgroups(saved_groups_.size(), saved_groups_.data()) < 0)
      util::msg_fatal("set_eugid: " + std::string(std::strerror(errno)));
  }

 private:
  std::vector<gid_t> saved_groups_;
  gid_t saved_gid_ = 0;
  bool active_ = false;
};

// The types whose tables are files this command writes. Others either are
// read-only by nature (regexp, cidr, texthash ...) or unknown.
bool supports_bulk_create(const std::string& type) { return type == "hash" || type == "btree"; }

void fatal_unless_creatable(const std::string& type) {
  if (supports_bulk_create(type)) return;
  auto known = util::dict_types();
  if (std::find(known.begin(), known.end(), type) != known.end())
    util::msg_fatal("unsupported dictionary type: " + type +
                    " does not support bulk-mode creation.");
  util::msg_fatal("unsupported dictionary type: " + type);
}

// postmap -F: the value names files whose contents, concatenated (with a
// newline between files, as Postfix does), are stored base64-encoded (TLS
// SNI key and certificate chains). nullopt after a warning: skip the entry.
std::optional<std::string> base64_of_files(std::string_view value, const std::string& source,
                                           int line) {
  std::string content;
  bool first = true;
  for (const auto& path : util::split(value, ", \t")) {
    FilePtr f(std::fopen(path.c_str(), "r"));
    if (!f) {
      util::msg_warn(source + ", line " + std::to_string(line) + ": open " + path + ": " +
                     std::strerror(errno) + ": skipping this entry");
      return std::nullopt;
    }
    if (!first) content += '\n';
    first = false;
    char buf[8192];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof(buf), f.get())) > 0) content.append(buf, n);
    if (std::ferror(f.get())) {
      util::msg_warn(source + ", line " + std::to_string(line) + ": read " + path + ": " +
                     std::strerror(errno) + ": skipping this entry");
      return std::nullopt;
    }
  }
  return base64_encode(content);
}

void update_or_die(util::Dict& dict, std::string_view key, std::string_view value) {
  auto r = dict.update(key, value);
  if (!r) util::msg_fatal(r.error().message);
}

// Writes entries with keys folded here into one reused buffer: on a
// 200,000-line build the table's own per-key folding (a new string and a
// tolower() call per byte) is a visible share of the CPU time, so the table
// is opened with fold_case off instead. In UTF-8 mode a key with non-ASCII
// bytes gets the Unicode fold (the source line was checked to be UTF-8);
// ASCII keys take the same byte loop either way.
class FoldingWriter {
 public:
  FoldingWriter(util::Dict& dict, bool fold, bool utf8) : dict_(dict), fold_(fold), utf8_(utf8) {}
  void put(std::string_view key, std::string_view value) {
    if (!fold_) return update_or_die(dict_, key, value);
    if (utf8_ && !is_ascii(key)) return update_or_die(dict_, util::utf8_fold(key), value);
    folded_.assign(key);
    for (char& c : folded_)
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    update_or_die(dict_, folded_, value);
  }

 private:
  static bool is_ascii(std::string_view s) {
    for (char c : s)
      if (static_cast<unsigned char>(c) >= 0x80) return false;
    return true;
  }

  util::Dict& dict_;
  bool fold_;
  bool utf8_;
  std::string folded_;
};

// postalias' YP entries never have a NUL and keep their case, whatever -n/-f
// say, so they go in through a second handle opened for exactly that.
void add_yp_entries(const conf::Config& config, const TableName& table) {
  util::DictOpenOptions yp;
  yp.writable = true;
  yp.fold_case = false;
  yp.append_nul = false;
  yp.duplicates = util::DictDuplicates::kReplace;
  auto d = util::dict_open(table.type_name(), yp);
  if (!d) util::msg_fatal(d.error().message);
  update_or_die(**d, "YP_LAST_MODIFIED", std::to_string(static_cast<long long>(std::time(nullptr))));
  update_or_die(**d, "YP_MASTER_NAME", config.get("myhostname"));
  auto r = (*d)->commit();
  if (!r) util::msg_fatal(r.error().message);
}

}  // namespace

TableName split_table_name(const std::string& arg, const conf::Config& config) {
  size_t colon = arg.find(':');
  if (colon == std::string::npos) return {config.get("default_database_type"), arg};
  return {arg.substr(0, colon), arg.substr(colon + 1)};
}

void build_table(const TableOptions& opt, const conf::Config& config, const TableName& table) {
  // The source comes first: Postfix complains about a missing file before it
  // looks at the table type.
  FilePtr owned;
  std::FILE* source = stdin;
  struct stat st {};
  bool have_stat = false;
  if (!opt.incremental) {
    owned.reset(std::fopen(table.name.c_str(), "r"));
    if (!owned) util::msg_fatal("open " + table.name + ": " + std::strerror(errno));
    source = owned.get();
    have_stat = fstat(fileno(source), &st) == 0;
    if (!have_stat) util::msg_fatal("fstat " + table.name + ": " + std::strerror(errno));
  } else {
    have_stat = stat(table.name.c_str(), &st) == 0;
  }
  fatal_unless_creatable(table.type);

  std::unique_ptr<EffectiveIds> as_owner;
  if (have_stat && geteuid() == 0 && st.st_uid != 0 && !opt.keep_root)
    as_owner = std::make_unique<EffectiveIds>(st.st_uid, st.st_gid);

  util::DictOpenOptions open_opt;
  open_opt.create = !opt.incremental;
  open_opt.writable = true;
  open_opt.fold_case = false;  // FoldingWriter does it
  open_opt.append_nul = opt.append_nul;
  open_opt.duplicates = opt.duplicates;
  open_opt.create_mode = opt.copy_mode && have_stat ? static_cast<int>(st.st_mode & 07777) : 0644;
  // -v: Postfix's words for the table it is about to build.
  if (opt.verbose > 0) util::msg_info("open " + table.type + " " + table.name);
  auto dict = util::dict_open(table.type_name(), open_opt);
  if (!dict) util::msg_fatal(dict.error().message);

  const std::string source_name = opt.incremental ? std::string("stdin") : table.name;
  // A directory reads as an empty source (EISDIR is end of file to
  // Postfix's stream layer), so it yields an empty table, not an error.
  FilePtr empty;
  if (!opt.incremental && S_ISDIR(st.st_mode)) {
    empty.reset(std::fopen("/dev/null", "r"));
    if (!empty) util::msg_fatal(std::string("open /dev/null: ") + std::strerror(errno));
    source = empty.get();
  }
  FoldingWriter writer(**dict, opt.fold_case, opt.utf8);
  if (opt.kind == TableToolKind::kPostalias) {
    auto r = read_alias_source(source, source_name,
                               [&](const AliasEntry& e) { writer.put(e.name, e.value); },
                               opt.utf8);
    if (!r) util::msg_fatal(r.error().message);
    // sendmail's "this database is complete" marker; it follows -n/-N. An
    // incremental run finds it already there, which is no duplicate to warn of.
    auto marker = (*dict)->lookup("@");
    if (!marker) util::msg_fatal(marker.error().message);
    if (!*marker) update_or_die(**dict, "@", "@");
  } else {
    util::DictSourceOptions source_options;
    source_options.utf8 = opt.utf8;
    auto r = util::read_postmap_source(source, source_name,
                                 [&](std::string_view key, std::string_view value, int line) {
                                   if (!opt.base64) {
                                     writer.put(key, value);
                                   } else if (auto encoded =
                                                  base64_of_files(value, source_name, line)) {
                                     writer.put(key, *encoded);
                                   }
                                 },
                                 source_options);
    if (!r) util::msg_fatal(r.error().message);
  }
  auto committed = (*dict)->commit();
  if (!committed) util::msg_fatal(committed.error().message);
  dict->reset();
  if (opt.kind == TableToolKind::kPostalias) add_yp_entries(config, table);
}

}  // namespace mail
