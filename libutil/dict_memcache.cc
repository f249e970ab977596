// memcache:/file/name, Postfix's memcache_table(5) client. The file has
// main.cf syntax and names the server (memcache = inet:host:port or
// unix:/path), key_format, domain, ttl, flags, limits and an optional
// persistent backup table. Lookups send "get KEY\r\n" and read "VALUE KEY
// FLAGS LEN\r\n<data>\r\nEND\r\n" or "END\r\n"; updates "set", deletes
// "delete". The table is read-write.
// Easy to get wrong: a memcache key cannot hold white space or control
// characters, so such keys are silently not looked up; the key is folded
// to lower case before key_format applies (as Postfix); a server that
// refuses the connection is not retried, while a broken or garbled
// exchange is, max_try times, retry_pause apart; only the last failure is
// reported. With a backup table, the backup has the final word and the
// cache is refreshed from it.
#include <cctype>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <thread>

#include "libutil/dict_client.h"
#include "libutil/dict_memcache.h"
#include "libutil/dict_types.h"
#include "libutil/log.h"
#include "libutil/strings.h"

namespace util {
namespace {

// main.cf syntax: "name = value", "#" comments, a line starting with white
// space continues the one before.
Result<std::map<std::string, std::string>> read_config(const std::string& path) {
  std::ifstream in(path);
  if (!in) return fail_errno("open " + path);
  std::map<std::string, std::string> out;
  std::string logical;
  int line_no = 0;
  int logical_line = 0;
  std::optional<Error> bad;
  auto finish = [&] {
    std::string_view l = trim(logical);
    if (l.empty()) return;
    size_t eq = l.find('=');
    if (eq == std::string_view::npos) {
      msg_warn(path + ", line " + std::to_string(logical_line) +
               ": missing '=' after attribute name: \"" + std::string(l) + "\"");
      return;
    }
    out[std::string(trim(l.substr(0, eq)))] = std::string(trim(l.substr(eq + 1)));
  };
  std::string line;
  while (std::getline(in, line)) {
    ++line_no;
    std::string_view t = trim(line);
    if (t.empty() || t.front() == '#') continue;
    if (std::isspace(static_cast<unsigned char>(line[0])) && !logical.empty()) {
      logical += " ";
      logical += t;
      continue;
    }
    finish();
    logical = std::string(t);
    logical_line = line_no;
  }
  finish();
  return out;
}

// Postfix's db_common key_format expansion; nullopt = skip this key.
std::optional<std::string> expand_key(std::string_view format, std::string_view key) {
  size_t at = key.rfind('@');
  bool address = at != std::string_view::npos;
  std::string_view local = address ? key.substr(0, at) : key;
  std::string_view domain = address ? key.substr(at + 1) : std::string_view();
  std::vector<std::string> labels;  // most significant first
  if (address) {
    auto parts = split(domain, ".");
    labels.assign(parts.rbegin(), parts.rend());
  }
  std::string out;
  for (size_t i = 0; i < format.size(); ++i) {
    if (format[i] != '%' || i + 1 == format.size()) {
      out += format[i];
      continue;
    }
    char c = format[++i];
    switch (c) {
      case '%': out += '%'; break;
      case 's': case 'S': out += key; break;
      case 'u': case 'U':
        if (address && local.empty()) return std::nullopt;
        out += local;
        break;
      case 'd': case 'D':
        if (!address || domain.empty()) return std::nullopt;
        out += domain;
        break;
      default:
        if (c >= '1' && c <= '9') {
          size_t n = static_cast<size_t>(c - '1');
          if (n >= labels.size()) return std::nullopt;
          out += labels[n];
        } else {
          out += '%';
          out += c;
        }
    }
  }
  return out;
}

bool valid_memcache_key(std::string_view key) {
  if (key.empty()) return false;
  for (unsigned char c : key)
    if (c <= ' ' || c == 0x7f) return false;
  return true;
}

Result<long> int_param(const std::map<std::string, std::string>& cfg, const std::string& path,
                       const std::string& name, long def, long min) {
  auto it = cfg.find(name);
  if (it == cfg.end() || it->second.empty()) return def;
  char* end = nullptr;
  long v = std::strtol(it->second.c_str(), &end, 10);
  if (end == it->second.c_str() || *end != '\0' || v < min) {
    return fail(path + ": bad numerical configuration: " + name + " = " + it->second);
  }
  return v;
}

// Failures of one exchange: kRefused is never retried.
enum class McFailure { kRefused, kBroken, kBadReply };

struct McError {
  McFailure failure;
  std::string warning;  // the warning Postfix prints when it gives up
};

class MemcacheDict : public Dict {
 public:
  MemcacheDict(std::string name, MemcacheSettings s, std::unique_ptr<Dict> backup,
               std::vector<std::unique_ptr<Dict>> domain_tables, bool fold_case)
      : Dict("memcache", std::move(name)),
        s_(std::move(s)),
        conn_(s_.endpoint, s_.timeout),
        backup_(std::move(backup)),
        domain_tables_(std::move(domain_tables)),
        fold_case_(fold_case) {}

  Result<std::optional<std::string>> lookup(std::string_view key) override {
    std::string k = fold_case_ ? lowercase(key) : std::string(key);
    auto mc_key = memcache_key(k);
    if (!mc_key) return backup_ ? backup_->lookup(k) : std::optional<std::string>();
    auto cached = command("get " + *mc_key + "\r\n", [&](Stream& s) { return read_get(s, *mc_key); });
    if (!backup_) {
      if (!cached) return op_error("query", conn_.last_reason());
      if (*cached && (*cached)->empty()) warn_empty_result(key);
      return *cached;
    }
    if (cached && *cached) return *cached;
    // Not cached (or the cache failed): the backup decides, and a found
    // answer goes into the cache for the next lookup.
    auto from_backup = backup_->lookup(k);
    if (from_backup && *from_backup) (void)set(*mc_key, **from_backup);
    return from_backup;
  }

  Result<void> update(std::string_view key, std::string_view value) override {
    std::string k = fold_case_ ? lowercase(key) : std::string(key);
    if (backup_) {
      if (auto r = backup_->update(k, value); !r) return r;
    }
    auto mc_key = memcache_key(k);
    if (!mc_key) {
      msg_warn(type_name() + ": skipping update for key \"" + k + "\"");
      return {};
    }
    auto r = set(*mc_key, value);
    if (!r && !backup_) return op_error("update", conn_.last_reason());
    return {};
  }

  Result<bool> remove(std::string_view key) override {
    std::string k = fold_case_ ? lowercase(key) : std::string(key);
    std::optional<bool> backup_found;
    if (backup_) {
      auto r = backup_->remove(k);
      if (!r) return r;
      backup_found = *r;
    }
    auto mc_key = memcache_key(k);
    if (!mc_key) {
      if (!backup_) msg_warn(type_name() + ": skipping delete for key \"" + k + "\"");
      return backup_found.value_or(false);
    }
    auto r = command("delete " + *mc_key + "\r\n", [&](Stream& s) -> std::expected<bool, McError> {
      auto line = read_reply_line(s);
      if (!line) return std::unexpected(line.error());
      if (*line == "DELETED") return true;
      if (*line == "NOT_FOUND") return false;
      return std::unexpected(bad_reply(*line));
    });
    if (backup_found) return *backup_found;
    if (!r) return op_error("delete", conn_.last_reason());
    return *r;
  }

  Result<void> for_each(
      const std::function<void(std::string_view, std::string_view)>& fn) override {
    if (!backup_) {
      // Postfix warns and lists nothing, successfully.
      msg_warn("database " + type_name() + ": first/next support requires backup database");
      return {};
    }
    return backup_->for_each(fn);
  }

 private:
  // key_format applied and checked, or nullopt when the key is not one to
  // ask memcache about (domain filter, missing %u/%d/%N parts, bad bytes).
  std::optional<std::string> memcache_key(const std::string& key) {
    if (!s_.domains.empty() || !domain_tables_.empty()) {
      size_t at = key.rfind('@');
      if (at == std::string::npos || at == 0 || !domain_listed(key.substr(at + 1)))
        return std::nullopt;
    }
    auto k = expand_key(s_.key_format, key);
    if (!k || !valid_memcache_key(*k)) return std::nullopt;
    return k;
  }

  bool domain_listed(const std::string& domain) {
    std::string d = lowercase(domain);
    for (const auto& name : s_.domains)
      if (lowercase(name) == d) return true;
    for (auto& t : domain_tables_) {
      auto r = t->lookup(d);
      if (r && *r) return true;
    }
    return false;
  }

  Result<void> set(const std::string& mc_key, std::string_view value) {
    std::string req = "set " + mc_key + " " + std::to_string(s_.flags) + " " +
                      std::to_string(s_.ttl) + " " + std::to_string(value.size()) + "\r\n" +
                      std::string(value) + "\r\n";
    auto r = command(req, [&](Stream& s) -> std::expected<bool, McError> {
      auto line = read_reply_line(s);
      if (!line) return std::unexpected(line.error());
      if (*line != "STORED") return std::unexpected(bad_reply(*line));
      return true;
    });
    if (!r) return fail(conn_.last_reason());
    return {};
  }

  McError bad_reply(const std::string& line) {
    return McError{McFailure::kBadReply, name() + ": unexpected memcache server reply: " + line};
  }

  McError io_error(const Error& e) {
    conn_.note_error(e);
    return McError{McFailure::kBroken,
                   "database " + type_name() + ": I/O error: " + conn_.last_reason()};
  }

  std::expected<std::string, McError> read_reply_line(Stream& s) {
    auto line = s.read_line(s_.line_size_limit);
    if (!line) return std::unexpected(io_error(line.error()));
    if (line->end == LineEnd::kTooLong) {
      return std::unexpected(McError{McFailure::kBadReply,
                                     name() + ": memcache server reply line exceeds " +
                                         std::to_string(s_.line_size_limit) + " bytes"});
    }
    if (line->end == LineEnd::kEof) return std::unexpected(io_error(Error{"eof", 0, ErrorKind::kEof}));
    if (!line->text.empty() && line->text.back() == '\r') line->text.pop_back();
    return std::move(line->text);
  }

  std::expected<std::optional<std::string>, McError> read_get(Stream& s, const std::string& key) {
    auto line = read_reply_line(s);
    if (!line) return std::unexpected(line.error());
    if (*line == "END") return std::nullopt;
    auto words = split(*line, " ");
    if (words.size() < 4 || words.size() > 5 || words[0] != "VALUE" || words[1] != key)
      return std::unexpected(bad_reply(*line));
    char* end = nullptr;
    unsigned long len = std::strtoul(words[3].c_str(), &end, 10);
    if (end == words[3].c_str() || *end != '\0' || !std::isdigit(static_cast<unsigned char>(words[3][0])))
      return std::unexpected(bad_reply(*line));
    if (len > s_.data_size_limit) {
      return std::unexpected(McError{McFailure::kBadReply,
                                     name() + ": memcache server reply size " + words[3] +
                                         " exceeds data_size_limit " +
                                         std::to_string(s_.data_size_limit)});
    }
    auto data = s.read_exact(len + 2);
    if (!data) return std::unexpected(io_error(data.error()));
    if (data->compare(len, 2, "\r\n") != 0) return std::unexpected(bad_reply(*line));
    data->resize(len);
    auto end_line = read_reply_line(s);
    if (!end_line) return std::unexpected(end_line.error());
    if (*end_line != "END") return std::unexpected(bad_reply(*end_line));
    return std::optional<std::string>(std::move(*data));
  }

  // Send `request`, read with `reader`; retried on broken or garbled
  // exchanges, never on a refused connection.
  template <class Reader>
  auto command(const std::string& request, Reader reader)
      -> decltype(reader(std::declval<Stream&>())) {
    McError last{McFailure::kBroken, ""};
    for (int attempt = 1; attempt <= s_.max_try; ++attempt) {
      if (attempt > 1) std::this_thread::sleep_for(s_.retry_pause);
      auto stream = conn_.stream(conn_.endpoint().text());
      if (!stream) {
        msg_warn(stream.error().message);
        return std::unexpected(McError{McFailure::kRefused, ""});
      }
      auto w = (*stream)->write(request);
      if (w) w = (*stream)->flush();
      using R = decltype(reader(std::declval<Stream&>()));
      R r = w ? reader(**stream) : R(std::unexpected(io_error(w.error())));
      if (r) return r;
      conn_.close();
      last = r.error();
    }
    msg_warn(last.warning);
    return std::unexpected(last);
  }

  MemcacheSettings s_;
  DictConnection conn_;
  std::unique_ptr<Dict> backup_;
  std::vector<std::unique_ptr<Dict>> domain_tables_;
  bool fold_case_;
};

}  // namespace

Result<MemcacheSettings> read_memcache_settings(const std::string& path) {
  auto cfg = read_config(path);
  if (!cfg) return std::unexpected(cfg.error());
  MemcacheSettings s;
  auto get = [&](const char* name, const char* def) {
    auto it = cfg->find(name);
    return it == cfg->end() ? std::string(def) : it->second;
  };
  auto endpoint = parse_dict_service(get("memcache", "inet:localhost:11211"));
  if (!endpoint) return std::unexpected(endpoint.error());
  s.endpoint = std::move(*endpoint);
  s.backup = get("backup", "");
  s.key_format = get("key_format", "%s");
  for (auto& d : split(get("domain", ""), ", \t")) s.domains.push_back(d);
  struct IntParam {
    const char* name;
    long def;
    long min;
    long* out;
  };
  long flags, ttl, data_limit, line_limit, max_try, pause, timeout;
  for (IntParam p : {IntParam{"flags", 0, 0, &flags}, IntParam{"ttl", 3600, 0, &ttl},
                     IntParam{"data_size_limit", 10240, 1, &data_limit},
                     IntParam{"line_size_limit", 1024, 1, &line_limit},
                     IntParam{"max_try", 2, 1, &max_try}, IntParam{"retry_pause", 1, 1, &pause},
                     IntParam{"timeout", 2, 1, &timeout}}) {
    auto v = int_param(*cfg, path, p.name, p.def, p.min);
    if (!v) return std::unexpected(v.error());
    *p.out = *v;
  }
  s.flags = flags;
  s.ttl = ttl;
  s.data_size_limit = static_cast<size_t>(data_limit);
  s.line_size_limit = static_cast<size_t>(line_limit);
  s.max_try = static_cast<int>(max_try);
  s.retry_pause = std::chrono::seconds(pause);
  s.timeout = std::chrono::seconds(timeout);
  return s;
}

Result<std::unique_ptr<Dict>> open_memcache_dict_with(std::string_view name,
                                                      const DictOpenOptions& options,
                                                      MemcacheSettings settings) {
  std::unique_ptr<Dict> backup;
  if (!settings.backup.empty()) {
    DictOpenOptions backup_options = options;
    backup_options.create = false;
    auto b = dict_open(settings.backup, backup_options);
    if (!b) return std::unexpected(b.error());
    backup = std::move(*b);
  }
  // "domain" entries that are type:table name tables; the rest are names.
  std::vector<std::unique_ptr<Dict>> domain_tables;
  std::vector<std::string> names;
  for (auto& d : settings.domains) {
    if (d.find(':') != std::string::npos) {
      auto t = dict_open(d, {});
      if (!t) return std::unexpected(t.error());
      domain_tables.push_back(std::move(*t));
    } else {
      names.push_back(d);
    }
  }
  settings.domains = std::move(names);
  return std::make_unique<MemcacheDict>(std::string(name), std::move(settings), std::move(backup),
                                        std::move(domain_tables), options.fold_case);
}

Result<std::unique_ptr<Dict>> open_memcache_dict(std::string_view name,
                                                 const DictOpenOptions& options) {
  auto settings = read_memcache_settings(std::string(name));
  if (!settings) return std::unexpected(settings.error());
  return open_memcache_dict_with(name, options, std::move(*settings));
}

}  // namespace util
