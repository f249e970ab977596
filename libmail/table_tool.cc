// postmap/postalias/newaliases drivers; see table_tool.h.
#include "libmail/table_tool.h"

#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "libconf/config.h"
#include "libmail/table_build.h"
#include "libmail/table_query.h"
#include "libutil/log.h"

namespace mail {
namespace {

conf::Config load_config(const std::string& config_dir) {
  conf::LoadOptions load;
  load.config_dir = config_dir;
  auto config = conf::Config::load(load);
  if (!config) util::msg_fatal(config.error().message);
  return std::move(*config);
}

}  // namespace

int table_tool_main(TableToolKind kind, int argc, char** argv) {
  util::set_program_name(table_tool_name(kind));
  TableOptions opt = parse_table_options(kind, argc, argv);
  conf::Config config = load_config(opt.config_dir);
  opt.utf8 = !opt.utf8_disable && config.get_bool("smtputf8_enable");
  if (opt.maps.empty()) util::msg_fatal(table_tool_usage(kind));

  std::vector<TableName> tables;
  std::vector<std::string> type_names;
  for (const auto& arg : opt.maps) {
    tables.push_back(split_table_name(arg, config));
    type_names.push_back(tables.back().type_name());
  }
  switch (opt.mode) {
    case TableMode::kQuery: {
      auto dicts = open_tables(opt, type_names, false);
      return query_tables(opt, dicts);
    }
    case TableMode::kDelete: {
      auto dicts = open_tables(opt, type_names, true);
      return delete_from_tables(opt, dicts);
    }
    case TableMode::kDump: {
      auto dicts = open_tables(opt, type_names, false);
      return dump_tables(opt, dicts);
    }
    case TableMode::kBuild:
      for (const auto& table : tables) build_table(opt, config, table);
      return 0;
  }
  return 0;
}

int newaliases_main(int argc, char** argv) {
  // newaliases is sendmail -bi: it takes sendmail's options. Only -C (the
  // configuration directory) matters here; the rest are accepted and ignored.
  util::set_program_name("postalias");
  TableOptions opt;
  opt.kind = TableToolKind::kPostalias;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "-C" && i + 1 < argc) {
      opt.config_dir = argv[++i];
    } else if (arg.rfind("-C", 0) == 0 && arg.size() > 2) {
      opt.config_dir = arg.substr(2);
    } else if (arg == "-v") {
      ++opt.verbose;
    }
  }
  conf::Config config = load_config(opt.config_dir);
  opt.utf8 = config.get_bool("smtputf8_enable");
  for (const auto& arg : config.get_list("alias_database"))
    build_table(opt, config, split_table_name(arg, config));
  return 0;
}

}  // namespace mail
