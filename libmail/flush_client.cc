#include "libmail/flush_client.h"

#include <cstring>

#include "libconf/config.h"
#include "libmail/attr.h"
#include "libmail/match_list.h"
#include "libmail/service_client.h"

namespace mail {
namespace {

constexpr std::chrono::seconds kFlushTimeout{100};

FlushStatus request(const std::string& path, const AttrList& req, std::string* error) {
  auto set_error = [&](const std::string& text) {
    if (error) *error = text;
    return FlushStatus::kFail;
  };
  auto stream = connect_service(path, kFlushTimeout);
  if (!stream) {
    const util::Error& e = stream.error();
    return set_error("connect to " + path + ": " +
                     (e.sys_errno ? std::string(std::strerror(e.sys_errno)) : e.message));
  }
  auto reply = attr_request(*stream, req);
  if (!reply) return set_error(path + ": " + reply.error().message);
  auto status = reply->get_int("status");
  if (!status || *status < 0 || *status > static_cast<int>(FlushStatus::kDeny))
    return set_error(path + ": malformed reply");
  return static_cast<FlushStatus>(*status);
}

}  // namespace

util::Result<bool> flush_domain_allowed(const conf::Config& config, std::string_view site) {
  auto value = config.try_get("fast_flush_domains");
  if (!value) return std::unexpected(value.error());
  MatchListOptions options;
  options.list_name = "fast_flush_domains";
  options.parent_domain_matches_subdomains =
      parent_domain_matches(config.get("parent_domain_matches_subdomains"), "fast_flush_domains");
  auto list = MatchList::parse(*value, options);
  if (!list) return std::unexpected(list.error());
  return list->match_domain(site);
}

FlushStatus flush_add(const std::string& path, std::string_view site, std::string_view queue_id,
                      std::string* error) {
  AttrList req;
  req.add("request", "add").add("site", std::string(site)).add("queue_id", std::string(queue_id));
  return request(path, req, error);
}

FlushStatus flush_send_site(const std::string& path, std::string_view site, std::string* error) {
  AttrList req;
  req.add("request", "send_site").add("site", std::string(site));
  return request(path, req, error);
}

FlushStatus flush_send_file(const std::string& path, std::string_view queue_id,
                            std::string* error) {
  AttrList req;
  req.add("request", "send_file").add("queue_id", std::string(queue_id));
  return request(path, req, error);
}

FlushStatus flush_refresh(const std::string& path, std::string* error) {
  AttrList req;
  req.add("request", "refresh");
  return request(path, req, error);
}

FlushStatus flush_purge(const std::string& path, std::string* error) {
  AttrList req;
  req.add("request", "purge");
  return request(path, req, error);
}

}  // namespace mail
