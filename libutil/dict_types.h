// The table types behind util::dict_open, one open function each. Only
// dict.cc (the registry), the composite tables (pipemap, unionmap, proxy) and
// tests include this; everything else goes through dict_open("type:name").
// Easy to get wrong: the registry, not each type, refuses create/writable
// opens of read-only types, so an open function may assume its options fit.
#pragma once

#include <memory>
#include <string_view>

#include "libutil/dict.h"

namespace util {

using DictOpenFn = Result<std::unique_ptr<Dict>> (*)(std::string_view name,
                                                     const DictOpenOptions& options);

// Berkeley DB (dict_db.cc)
Result<std::unique_ptr<Dict>> open_hash_dict(std::string_view name, const DictOpenOptions&);
Result<std::unique_ptr<Dict>> open_btree_dict(std::string_view name, const DictOpenOptions&);
// Pattern tables (dict_cidr.cc, dict_regexp.cc, dict_pcre.cc)
Result<std::unique_ptr<Dict>> open_cidr_dict(std::string_view name, const DictOpenOptions&);
Result<std::unique_ptr<Dict>> open_regexp_dict(std::string_view name, const DictOpenOptions&);
Result<std::unique_ptr<Dict>> open_pcre_dict(std::string_view name, const DictOpenOptions&);

// In-memory and system tables, one file each (dict_<type>.cc).
Result<std::unique_ptr<Dict>> open_texthash_dict(std::string_view name, const DictOpenOptions&);
Result<std::unique_ptr<Dict>> open_inline_dict(std::string_view name, const DictOpenOptions&);
Result<std::unique_ptr<Dict>> open_static_dict(std::string_view name, const DictOpenOptions&);
Result<std::unique_ptr<Dict>> open_fail_dict(std::string_view name, const DictOpenOptions&);
Result<std::unique_ptr<Dict>> open_environ_dict(std::string_view name, const DictOpenOptions&);
Result<std::unique_ptr<Dict>> open_internal_dict(std::string_view name, const DictOpenOptions&);
Result<std::unique_ptr<Dict>> open_unix_dict(std::string_view name, const DictOpenOptions&);
Result<std::unique_ptr<Dict>> open_nis_dict(std::string_view name, const DictOpenOptions&);
// Composite tables: their name lists other tables (dict_randmap.cc, ...).
Result<std::unique_ptr<Dict>> open_randmap_dict(std::string_view name, const DictOpenOptions&);
Result<std::unique_ptr<Dict>> open_pipemap_dict(std::string_view name, const DictOpenOptions&);
Result<std::unique_ptr<Dict>> open_unionmap_dict(std::string_view name, const DictOpenOptions&);
Result<std::unique_ptr<Dict>> open_proxy_dict(std::string_view name, const DictOpenOptions&);
// Network clients (dict_tcp.cc, dict_socketmap.cc, dict_memcache.cc).
Result<std::unique_ptr<Dict>> open_tcp_dict(std::string_view name, const DictOpenOptions&);
Result<std::unique_ptr<Dict>> open_socketmap_dict(std::string_view name, const DictOpenOptions&);
Result<std::unique_ptr<Dict>> open_memcache_dict(std::string_view name, const DictOpenOptions&);

}  // namespace util
