#include "trivial-rewrite/rewrite_service.h"

#include <optional>
#include <string>

#include "libmail/attr.h"
#include "libmail/multi_server.h"
#include "libutil/log.h"

namespace trivial_rewrite {
namespace {

// Requests are short; keep a hostile client from making us buffer much.
mail::AttrLimits request_limits() {
  mail::AttrLimits limits;
  limits.max_value = 64 * 1024;
  limits.max_count = 20;
  limits.max_depth = 1;
  return limits;
}

std::string optional_string(const mail::AttrList& attrs, std::string_view name) {
  auto value = attrs.get_string(name);
  return value ? *value : std::string();
}

}  // namespace

bool serve_request(util::Stream& client, const mail::Resolver& resolver) {
  auto request = mail::read_attrs(client, request_limits());
  if (!request) {
    if (request.error().kind != util::ErrorKind::kEof) {
      util::msg_warn("read request: " + request.error().message);
    }
    return false;
  }
  auto kind = request->get_string("request");
  auto address = request->get_string("address");
  if (!kind || !address) {
    util::msg_warn((kind ? address.error() : kind.error()).message);
    return false;
  }
  mail::AttrList reply;
  if (*kind == "rewrite") {
    const std::string rule = optional_string(*request, "rule");
    const auto context =
        rule == "remote" ? mail::RewriteContext::kRemote : mail::RewriteContext::kLocal;
    reply.add("flags", 0).add("address", resolver.rewrite_address(*address, context));
  } else if (*kind == "resolve" || *kind == "verify") {
    mail::Resolved r = resolver.resolve_address(*address);
    reply.add("flags", r.flags)
        .add("transport", std::move(r.transport))
        .add("nexthop", std::move(r.nexthop))
        .add("recipient", std::move(r.recipient));
  } else {
    util::msg_warn("unrecognized request: \"" + *kind + "\"");
    return false;
  }
  return static_cast<bool>(mail::write_attrs(client, reply));
}

int run(int argc, char** argv) {
  // Filled before the chroot (the tables may live outside it), read by
  // every request afterwards.
  std::optional<mail::Resolver> resolver;
  mail::MultiHooks hooks;
  hooks.pre_jail = [&resolver](mail::Daemon& daemon) { resolver.emplace(daemon.config); };
  mail::multi_server_main(
      argc, argv, "trivial-rewrite",
      [&resolver](util::Stream& client, mail::Daemon&) { return serve_request(client, *resolver); },
      hooks);
}

}  // namespace trivial_rewrite
