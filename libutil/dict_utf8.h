// util::dict_utf8_wrap: the UTF-8 mode of every table (DictOpenOptions::utf8),
// a wrapper dict_open() puts around the table it opened.
// Users: dict_open() only; callers just set the option (postmap, postalias
// from smtputf8_enable and -u).
// Easy to get wrong, all observed on Postfix 3.7.11:
//  - a key that is not valid UTF-8 is warned about ("TYPE:NAME: non-UTF-8 key
//    ...") and is simply not found, for every table type, even with -f;
//  - a found value that is not valid UTF-8 is a lookup ERROR (postmap -q then
//    dies with "table TYPE:NAME: query error"), not "not found";
//  - removing such a key removes nothing but reports success (postmap -d
//    exits 0), as Postfix does;
//  - hash: and btree: tables call themselves by their file, NAME.db, in these
//    warnings;
//  - pattern tables (regexp, pcre, cidr) see the key unfolded.
#pragma once

#include <memory>

#include "libutil/dict.h"

namespace util {

std::unique_ptr<Dict> dict_utf8_wrap(std::unique_ptr<Dict> inner, const DictOpenOptions& options);

}  // namespace util
