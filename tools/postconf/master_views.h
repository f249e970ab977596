// postconf -M, -F and -P: master.cf shown as entries, fields or per-service
// parameters, with optional service[/type[/name]] selectors ("*" matches
// any one component). Used by main.cc.
// Easy to get wrong: output follows master.cf order, not selector order, and
// a selector that matches nothing is a warning, not an error.
#pragma once

#include <string>
#include <vector>

#include "libconf/master_cf.h"

namespace postconf {

struct MasterViewFlags {
  bool fold = false;        // -f
  bool hide_name = false;   // -h
  bool hide_value = false;  // -H
};

void show_master_entries(const conf::MasterCf& cf, const std::vector<std::string>& selectors,
                         const MasterViewFlags& flags);
void show_master_fields(const conf::MasterCf& cf, const std::vector<std::string>& selectors,
                        const MasterViewFlags& flags);
void show_master_parameters(const conf::MasterCf& cf, const std::vector<std::string>& selectors,
                            const MasterViewFlags& flags);

// A parsed "service/type/name" selector; empty components match anything.
struct MasterSelector {
  std::string text;  // as given, for "unmatched request" warnings
  std::string service, type, name;
  bool matched = false;
  bool matches(const conf::MasterEntry& e) const;
};

// Splits ARG into at most `max_parts` components; fatal with `usage_error`
// when there are more or when a component holds '*' besides being "*".
MasterSelector parse_master_selector(const std::string& arg, int max_parts,
                                     const std::string& usage_error);

}  // namespace postconf
