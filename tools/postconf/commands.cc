// postconf: which job to do for the given options.
#include "tools/postconf/commands.h"

#include <cstdio>
#include <cstdlib>

#include "build_paths.h"
#include "libconf/main_cf_editor.h"
#include "libconf/master_cf.h"
#include "libconf/master_cf_editor.h"
#include "libutil/log.h"
#include "tools/postconf/bounce_templates.h"
#include "tools/postconf/builtin_lists.h"
#include "tools/postconf/master_views.h"
#include "tools/postconf/parameter_views.h"

namespace postconf {
namespace {

conf::MasterCf read_master_or_die(const std::string& dir) {
  auto cf = conf::read_master_cf(dir + "/master.cf");
  if (!cf) util::msg_fatal(cf.error().message);
  return std::move(*cf);
}

int edit_main(const Options& o, const std::string& dir) {
  conf::MainCfEdit edit;
  if (o.e) {
    if (o.args.empty()) util::msg_fatal("-e requires name=value argument");
    edit.mode = conf::MainCfEditMode::kSet;
    for (const auto& arg : o.args) {
      auto kv = conf::parse_edit_assignment(arg);
      if (!kv) util::msg_fatal(kv.error().message);
      for (const auto& [name, value] : edit.items)
        if (name == kv->first) util::msg_warn("ignoring earlier request: '" + name + " = " + value + "'");
      edit.items.push_back(*kv);
    }
  } else {
    if (o.args.empty()) util::msg_fatal("missing service argument");
    edit.mode = o.X ? conf::MainCfEditMode::kRemove : conf::MainCfEditMode::kComment;
    for (const auto& arg : o.args) edit.items.emplace_back(arg, "");
  }
  auto r = conf::edit_main_cf(dir + "/main.cf", edit);
  if (!r) util::msg_fatal(r.error().message);
  return 0;
}

int edit_master(const Options& o, const std::string& dir) {
  if (o.args.empty())
    util::msg_fatal(o.e ? "-e requires name=value argument" : "missing service argument");
  conf::MasterEditMode mode;
  if (o.M)
    mode = o.e ? conf::MasterEditMode::kEntry
               : o.X ? conf::MasterEditMode::kDeleteEntry : conf::MasterEditMode::kCommentEntry;
  else if (o.F)
    mode = conf::MasterEditMode::kField;
  else
    mode = o.e ? conf::MasterEditMode::kParameter : conf::MasterEditMode::kDeleteParameter;
  auto r = conf::edit_master_cf(dir + "/master.cf", mode, o.args);
  if (!r) util::msg_fatal(r.error().message);
  return 0;
}

}  // namespace

std::string config_directory(const Options& o) {
  if (o.explicit_config_dir) return o.config_dir;
  if (const char* env = std::getenv("MAIL_CONFIG"); env && *env) return env;
  return build::kConfigDirectory;
}

int run(const Options& o) {
  const std::string dir = config_directory(o);
  if (o.a) return show_server_sasl(), 0;
  if (o.A) return show_client_sasl(), 0;
  if (o.l) return show_lock_methods(), 0;
  if (o.T) {
    if (!show_tls_info(o.tls_mode)) {
      util::msg_warn("unknown 'postconf -T' mode: " + o.tls_mode);
      return 1;
    }
    return 0;
  }
  if (o.b || o.t) return show_bounce_templates(o, dir);
  bool editing = o.e || o.X || o.comment;
  if (o.M || o.F || o.P) {
    if (editing) return edit_master(o, dir);
    conf::MasterCf cf = read_master_or_die(dir);
    MasterViewFlags flags{o.f, o.h, o.H};
    check_master_view_references(o, cf);
    // -x changes what is shown, not what the warnings quote.
    conf::MasterCf shown = cf;
    if (o.x) expand_master_options(o, shown);
    if (o.M) show_master_entries(shown, o.args, flags);
    if (o.F) show_master_fields(shown, o.args, flags);
    if (o.P) show_master_parameters(shown, o.args, flags);
    std::fflush(stdout);
    warn_unused_master_parameters(o, cf);
    return 0;
  }
  if (editing) return edit_main(o, dir);
  if (o.m) {
    require_main_cf(dir);
    show_table_types();
    return 0;
  }
  return show_parameters(o, dir);
}

}  // namespace postconf
