// regexp: tables: POSIX extended regular expressions (regcomp/regexec), one
// "/pattern/flags result" rule per logical line, first match in file order
// wins. Users: the registry in dict.cc (util::open_regexp_dict, declared in
// dict_types.h) and through it every "regexp:FILE" in the configuration.
// Easy to get wrong:
//  - matching is case-INsensitive by default; flag "i" makes it case
//    sensitive ("m" toggles REG_NEWLINE, "x" toggles extended syntax).
//  - "!/re/" rules match when the pattern does not, and may not use $N.
//  - "if /re/" ... "endif" blocks nest; a block whose test fails is skipped
//    as a whole.
//  - the key is matched as given, never case-folded.
#pragma once

#include "libutil/dict_types.h"
