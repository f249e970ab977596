// postconf -b / -t; see bounce_templates.h.
#include "tools/postconf/bounce_templates.h"

#include <cstdio>
#include <string>
#include <vector>

#include "libconf/config.h"
#include "libmail/bounce_template.h"
#include "libutil/log.h"

namespace postconf {

namespace {

void print(const std::string& text) { std::fwrite(text.data(), 1, text.size(), stdout); }

}  // namespace

int show_bounce_templates(const Options& o, const std::string& config_dir) {
  conf::LoadOptions lo;
  lo.config_dir = config_dir;
  auto config = conf::Config::load(lo);
  if (!config) util::msg_fatal(config.error().message);
  for (const auto& arg : o.overrides) {
    auto eq = arg.find('=');
    if (eq != std::string::npos && eq > 0) config->set_override(arg.substr(0, eq), arg.substr(eq + 1));
  }
  std::string file = o.args.empty() ? config->try_get("bounce_template_file").value_or("")
                                    : o.args.front();
  util::set_program_name("postfix/bounce");
  std::vector<mail::BounceTemplate> templates;
  std::string origin = "[built-in]";
  if (file.empty()) {
    for (auto kind : {mail::NoticeKind::kFailure, mail::NoticeKind::kDelay,
                      mail::NoticeKind::kSuccess, mail::NoticeKind::kVerify}) {
      templates.push_back(mail::builtin_bounce_template(kind));
    }
  } else {
    auto read = mail::read_bounce_templates(file);
    if (!read) util::msg_fatal(read.error().message);
    templates = std::move(*read);
    origin = file;
  }
  for (std::size_t i = 0; i < templates.size(); ++i) {
    const auto& t = templates[i];
    if (i > 0) print("\n");
    if (o.b) {
      // "failure_template" -> "expanded_failure_text"
      std::string kind = t.name.substr(0, t.name.find('_'));
      // A template left as built in is named "[built-in]" in warnings.
      bool builtin = t.text == mail::builtin_bounce_template(static_cast<mail::NoticeKind>(i)).text;
      // Expanded before anything is printed: an undefined $name is fatal.
      auto lines = mail::expand_template_text(t, *config, builtin ? "[built-in]" : origin);
      print("expanded_" + kind + "_text = <<EOF\n");
      for (const auto& line : lines) print(line + "\n");
    } else {
      print(t.name + " = <<EOF\n" + mail::template_source(t));
    }
    print("EOF\n");
  }
  std::fflush(stdout);
  return 0;
}

}  // namespace postconf
