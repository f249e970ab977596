// Policy delegation protocol framing (policy_protocol.h).
#include "libmail/policy_protocol.h"

namespace mail {
namespace {

using util::ErrorKind;

}  // namespace

util::Result<std::string> format_policy_attrs(const PolicyAttrs& attrs) {
  std::string out;
  for (const auto& [name, value] : attrs) {
    if (name.empty() || name.find_first_of("=\n") != std::string::npos)
      return util::fail_kind(ErrorKind::kMalformed, "policy protocol: bad attribute name: " + name);
    if (value.find('\n') != std::string::npos)
      return util::fail_kind(ErrorKind::kMalformed,
                             "policy protocol: newline in value of attribute " + name);
    out += name;
    out += '=';
    out += value;
    out += '\n';
  }
  out += '\n';
  return out;
}

util::Result<void> write_policy_attrs(util::Stream& stream, const PolicyAttrs& attrs) {
  auto text = format_policy_attrs(attrs);
  if (!text) return std::unexpected(text.error());
  if (auto w = stream.write(*text); !w) return w;
  return stream.flush();
}

util::Result<PolicyAttrs> read_policy_attrs(util::Stream& stream, const PolicyLimits& limits) {
  PolicyAttrs attrs;
  for (;;) {
    auto line = stream.read_line(limits.max_line);
    if (!line) return std::unexpected(line.error());
    if (line->end == util::LineEnd::kTooLong)
      return util::fail_kind(ErrorKind::kTooLong, "policy protocol: line too long");
    if (line->end == util::LineEnd::kEof)
      return util::fail_kind(ErrorKind::kMalformed, "policy protocol: premature end of input");
    if (line->text.empty()) return attrs;
    size_t eq = line->text.find('=');
    if (eq == std::string::npos || eq == 0)
      return util::fail_kind(ErrorKind::kMalformed,
                             "policy protocol: missing attribute name or '=' in: " + line->text);
    if (attrs.size() >= limits.max_attrs)
      return util::fail_kind(ErrorKind::kTooLong, "policy protocol: too many attributes");
    attrs.emplace_back(line->text.substr(0, eq), line->text.substr(eq + 1));
  }
}

util::Result<PolicyReply> policy_query(util::Stream& stream, const PolicyAttrs& request,
                                       const PolicyLimits& limits) {
  if (auto w = write_policy_attrs(stream, request); !w) return std::unexpected(w.error());
  auto attrs = read_policy_attrs(stream, limits);
  if (!attrs) return std::unexpected(attrs.error());
  PolicyReply reply;
  bool found = false;
  for (const auto& [name, value] : *attrs) {
    if (name == "action" && !found) {
      reply.action = value;
      found = true;
    }
  }
  if (!found) return util::fail_kind(ErrorKind::kMalformed, "policy protocol: missing action in reply");
  reply.attrs = std::move(*attrs);
  return reply;
}

util::Result<void> write_policy_reply(util::Stream& stream, std::string_view action) {
  return write_policy_attrs(stream, {{"action", std::string(action)}});
}

}  // namespace mail
