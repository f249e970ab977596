// util::Dict defaults and the table-type registry behind dict_open().
// The registry decides which types may be created (postmap FILE) or opened
// for update (postmap -i/-d), so every type answers those misuses with the
// same Postfix wording.
#include "libutil/dict.h"

#include <algorithm>
#include <array>

#include "libutil/dict_types.h"
#include "libutil/dict_utf8.h"
#include "libutil/log.h"

namespace util {

std::unexpected<Error> Dict::op_error(std::string_view operation,
                                      std::string_view reason) const {
  return fail("table " + type_name() + ": " + std::string(operation) + " error: " +
              std::string(reason));
}

std::unexpected<Error> Dict::unsupported(std::string_view operation) const {
  return fail("table " + type_name() + ": " + std::string(operation) +
              " operation is not supported");
}

void Dict::warn_empty_result(std::string_view key) const {
  msg_warn("table " + type_name() + ": key " + std::string(key) +
           ": empty string result is not allowed");
  msg_warn("table " + type_name() + " should return NO RESULT in case of NOT FOUND");
}

Result<void> Dict::update(std::string_view, std::string_view) { return unsupported("update"); }

Result<bool> Dict::remove(std::string_view) { return unsupported("delete"); }

Result<void> Dict::for_each(const std::function<void(std::string_view, std::string_view)>&) {
  return unsupported("sequence");
}

Result<void> Dict::commit() { return {}; }

namespace {

struct DictType {
  std::string_view name;
  DictOpenFn open;
  bool can_create;    // bulk-mode creation (postmap FILE)
  bool can_write;     // update/remove on an existing table
};

// Sorted by name: dict_types() returns them in this order.
constexpr std::array kTypes = {
    DictType{"btree", open_btree_dict, true, true},
    DictType{"cidr", open_cidr_dict, false, false},
    DictType{"environ", open_environ_dict, false, true},
    DictType{"fail", open_fail_dict, false, true},
    DictType{"hash", open_hash_dict, true, true},
    DictType{"inline", open_inline_dict, false, false},
    DictType{"internal", open_internal_dict, false, true},
    DictType{"memcache", open_memcache_dict, false, true},
    DictType{"nis", open_nis_dict, false, false},
    DictType{"pcre", open_pcre_dict, false, false},
    DictType{"pipemap", open_pipemap_dict, false, false},
    DictType{"proxy", open_proxy_dict, false, true},
    DictType{"randmap", open_randmap_dict, false, false},
    DictType{"regexp", open_regexp_dict, false, false},
    DictType{"socketmap", open_socketmap_dict, false, false},
    DictType{"static", open_static_dict, false, false},
    DictType{"tcp", open_tcp_dict, false, false},
    DictType{"texthash", open_texthash_dict, false, false},
    DictType{"unionmap", open_unionmap_dict, false, false},
    DictType{"unix", open_unix_dict, false, false},
};

}  // namespace

Result<std::unique_ptr<Dict>> dict_open(std::string_view type_name,
                                        const DictOpenOptions& options) {
  size_t colon = type_name.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == type_name.size()) {
    return fail("open dictionary: expecting \"type:name\" form instead of \"" +
                std::string(type_name) + "\"");
  }
  std::string_view type = type_name.substr(0, colon);
  std::string_view name = type_name.substr(colon + 1);
  auto it = std::find_if(kTypes.begin(), kTypes.end(),
                         [&](const DictType& t) { return t.name == type; });
  if (it == kTypes.end()) return fail("unsupported dictionary type: " + std::string(type));
  if (options.create && !it->can_create) {
    return fail("unsupported dictionary type: " + std::string(type) +
                " does not support bulk-mode creation.");
  }
  if ((options.create || options.writable) && !it->can_write) {
    return fail(std::string(type_name) + " map requires O_RDONLY access mode");
  }
  auto dict = it->open(name, options);
  if (!dict || !options.utf8) return dict;
  return dict_utf8_wrap(std::move(*dict), options);
}

std::vector<std::string> dict_types() {
  std::vector<std::string> out;
  for (const auto& t : kTypes) out.emplace_back(t.name);
  return out;
}

}  // namespace util
