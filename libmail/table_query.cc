// postmap/postalias -q, -d and -s; see table_query.h.
#include "libmail/table_query.h"

#include <cstdio>
#include <cstdlib>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "libmail/table_base64.h"
#include "libutil/log.h"

namespace mail {
namespace {

// getline(3)'s buffer, freed however the reading loop ends.
struct LineBuffer {
  char* data = nullptr;
  size_t capacity = 0;
  LineBuffer() = default;
  LineBuffer(const LineBuffer&) = delete;
  LineBuffer& operator=(const LineBuffer&) = delete;
  ~LineBuffer() { std::free(data); }
};

// Calls fn for each stdin line, without its newline, up to end of input.
void for_each_stdin_line(const std::function<void(std::string_view)>& fn) {
  LineBuffer buf;
  for (;;) {
    ssize_t len = ::getline(&buf.data, &buf.capacity, stdin);
    if (len < 0) break;
    std::string_view line(buf.data, static_cast<size_t>(len));
    if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
    fn(line);
  }
}

// postmap -h / -b: turn a message on stdin into lookup keys. A header that
// continues over several lines is one key with embedded newlines; the body
// starts at the first line that is not a header (the empty separator
// line included).
void for_each_message_key(const TableOptions& opt,
                          const std::function<void(std::string_view)>& fn) {
  bool in_header = true;
  std::string header;
  auto flush_header = [&] {
    if (!header.empty() && opt.header_keys) fn(header);
    header.clear();
  };
  for_each_stdin_line([&](std::string_view line) {
    if (in_header) {
      if (!header.empty() && !line.empty() && (line[0] == ' ' || line[0] == '\t')) {
        header += '\n';
        header += line;
        return;
      }
      size_t colon = line.find(':');
      bool is_header = colon != std::string_view::npos && colon > 0 &&
                       line.substr(0, colon).find_first_of(" \t") == std::string_view::npos;
      flush_header();
      if (is_header) {
        header.assign(line);
        return;
      }
      in_header = false;
    }
    if (opt.body_keys) fn(line);
  });
  flush_header();
}

// -F stores base64 text; show what it encodes.
std::string decoded_value(const util::Dict& dict, std::string_view key, std::string_view value) {
  auto decoded = base64_decode(value);
  if (!decoded) {
    util::msg_warn("table " + dict.type_name() + ": key " + std::string(key) +
                   ": malformed BASE64 value: " + std::string(value));
    util::msg_fatal("table " + dict.type_name() + ": query error");
  }
  return *decoded;
}

// "key<TAB>value"; postalias writes "key:<TAB>value", as Postfix does.
void print_pair(const TableOptions& opt, const util::Dict& dict, std::string_view key,
                std::string_view value) {
  std::string line;
  line.reserve(key.size() + value.size() + 3);
  line.append(key);
  if (opt.kind == TableToolKind::kPostalias) line += ':';
  line += '\t';
  if (opt.base64)
    line += decoded_value(dict, key, value);
  else
    line += value;
  line += '\n';
  std::fwrite(line.data(), 1, line.size(), stdout);
}

struct Found {
  const util::Dict* dict;
  std::string value;
};

std::optional<Found> lookup_first(std::vector<std::unique_ptr<util::Dict>>& dicts,
                                  std::string_view key) {
  for (auto& dict : dicts) {
    auto r = dict->lookup(key);
    if (!r) util::msg_fatal(r.error().message);
    if (*r) return Found{dict.get(), std::move(**r)};
  }
  return std::nullopt;
}

}  // namespace

std::vector<std::unique_ptr<util::Dict>> open_tables(const TableOptions& opt,
                                                     const std::vector<std::string>& type_names,
                                                     bool writable) {
  std::vector<std::unique_ptr<util::Dict>> dicts;
  util::DictOpenOptions open_opt;
  open_opt.writable = writable;
  open_opt.fold_case = opt.fold_case;
  open_opt.utf8 = opt.utf8;
  open_opt.append_nul = opt.append_nul;
  open_opt.duplicates = opt.duplicates;
  for (const auto& name : type_names) {
    if (opt.verbose > 0) util::msg_info("dict_open: " + name);  // as Postfix's -v
    auto d = util::dict_open(name, open_opt);
    if (!d) util::msg_fatal(d.error().message);
    dicts.push_back(std::move(*d));
  }
  return dicts;
}

int query_tables(const TableOptions& opt, std::vector<std::unique_ptr<util::Dict>>& dicts) {
  if (opt.key != "-") {
    auto found = lookup_first(dicts, opt.key);
    if (!found) return 1;
    std::string out =
        (opt.base64 ? decoded_value(*found->dict, opt.key, found->value) : found->value) + "\n";
    std::fwrite(out.data(), 1, out.size(), stdout);
    return std::fflush(stdout) == 0 ? 0 : 1;
  }
  // A big buffer (allocated by stdio): bulk output is one line per key.
  std::setvbuf(stdout, nullptr, _IOFBF, 1 << 16);
  bool found_any = false;
  auto query_one = [&](std::string_view key) {
    auto found = lookup_first(dicts, key);
    if (!found) return;
    found_any = true;
    print_pair(opt, *found->dict, key, found->value);
  };
  if (opt.header_keys || opt.body_keys)
    for_each_message_key(opt, query_one);
  else
    for_each_stdin_line(query_one);
  if (std::fflush(stdout) != 0) util::msg_fatal("write error on standard output");
  return found_any ? 0 : 1;
}

int delete_from_tables(const TableOptions& opt, std::vector<std::unique_ptr<util::Dict>>& dicts) {
  bool found_any = false;
  auto delete_one = [&](std::string_view key) {
    for (auto& dict : dicts) {
      auto r = dict->remove(key);
      if (!r) util::msg_fatal("table " + dict->type_name() + ": " + r.error().message);
      if (*r) found_any = true;
    }
  };
  if (opt.key == "-")
    for_each_stdin_line(delete_one);
  else
    delete_one(opt.key);
  for (auto& dict : dicts) {
    auto r = dict->commit();
    if (!r) util::msg_fatal(r.error().message);
  }
  return found_any ? 0 : 1;
}

int dump_tables(const TableOptions& opt, std::vector<std::unique_ptr<util::Dict>>& dicts) {
  std::setvbuf(stdout, nullptr, _IOFBF, 1 << 16);
  for (auto& dict : dicts) {
    auto r = dict->for_each(
        [&](std::string_view key, std::string_view value) { print_pair(opt, *dict, key, value); });
    if (!r) util::msg_fatal(r.error().message);
  }
  if (std::fflush(stdout) != 0) util::msg_fatal("write error on standard output");
  return 0;
}

}  // namespace mail
