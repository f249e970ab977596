// The table types behind util::dict_open, one open function each. Only
// dict.cc (the registry) and tests include this; everything else goes through
// dict_open("type:name").
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

}  // namespace util
