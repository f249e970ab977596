// The four notice templates of the bounce daemon (failure, delay, success,
// verify): the built-in ones Postfix 3.7 ships, their `$name` expansion, and
// the two renderings `postconf -t` (template source) and `postconf -b`
// (expanded text) print. Users: bounce/ (notice texts and Subject) and
// tools/postconf.
// Easy to get wrong: besides main.cf parameters, the text may name a time
// parameter with a unit suffix ($delay_warning_time_hours,
// $maximal_queue_lifetime_days): the value is converted and truncated, and
// a non-zero time that truncates to 0 draws Postfix's three warnings.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "libutil/error.h"

namespace conf {
class Config;
}

namespace mail {

enum class NoticeKind { kFailure, kDelay, kSuccess, kVerify };

struct BounceTemplate {
  std::string name;                // "failure_template"
  std::string charset;             // "us-ascii"
  std::string from;                // "Mail Delivery System <MAILER-DAEMON>"
  std::string subject;
  std::string postmaster_subject;  // empty for success and verify
  std::string text;                // body lines, "\n"-terminated, unexpanded
};

const BounceTemplate& builtin_bounce_template(NoticeKind kind);

// The four templates in NoticeKind order: the built-ins, with those that
// `path` (bounce_template_file) defines replaced. Bad templates in the file
// are skipped with Postfix's warnings; an unreadable file is an error
// ("open PATH: No such file or directory").
util::Result<std::vector<BounceTemplate>> read_bounce_templates(const std::string& path);
// The same from text already read (`path` names it in warnings).
std::vector<BounceTemplate> parse_bounce_templates(std::string_view text, const std::string& path);

// The template as `postconf -t` prints it: header lines, a blank line, text.
std::string template_source(const BounceTemplate& t);

// Expand `$name` / `${name}` in the text against main.cf (and the time
// conversions). `origin` names the template in warnings ("[built-in]").
// Returns the text lines without their newlines.
std::vector<std::string> expand_template_text(const BounceTemplate& t, const conf::Config& config,
                                              std::string_view origin = "[built-in]");

}  // namespace mail
