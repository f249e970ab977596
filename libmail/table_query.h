// mail::table queries for postmap/postalias: -q KEY, -q - (bulk), -d KEY,
// -d -, and -s (dump).
// Users: mail::table_tool_main.
// Easy to get wrong: every named table is opened before the first lookup
// (a missing one is fatal even when an earlier one has the key); -q answers
// from the first table that has the key; -d removes from every table; the
// exit status is 0 when at least one key was found. Bulk output goes through
// one large stdout buffer: it is the hot path of `postmap -q - < keys`.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "libmail/table_options.h"
#include "libutil/dict.h"

namespace mail {

// Open the tables named on the command line for reading (or writing for -d).
// Fatal on the first that cannot be opened.
std::vector<std::unique_ptr<util::Dict>> open_tables(const TableOptions& opt,
                                                     const std::vector<std::string>& type_names,
                                                     bool writable);

// Each returns the process exit status.
int query_tables(const TableOptions& opt, std::vector<std::unique_ptr<util::Dict>>& dicts);
int delete_from_tables(const TableOptions& opt, std::vector<std::unique_ptr<util::Dict>>& dicts);
int dump_tables(const TableOptions& opt, std::vector<std::unique_ptr<util::Dict>>& dicts);

}  // namespace mail
