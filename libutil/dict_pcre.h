// pcre: tables: Perl-compatible regular expressions through PCRE2 (8-bit),
// with the same file syntax as regexp: (see dict_regexp.h). Users: the
// registry in dict.cc (util::open_pcre_dict) and every "pcre:FILE".
// Easy to get wrong:
//  - defaults are caseless AND dot-matches-newline; the flags toggle them:
//    i (caseless), s (dotall), m (multiline), x (extended), A (anchored),
//    E (dollar at the very end only), U (ungreedy); X is accepted with an
//    "obsolete" warning.
//  - compile errors name the offset: "error in regex at offset N: TEXT".
#pragma once

#include "libutil/dict_types.h"
