// Client side of the fast-flush service (public/flush, the flush daemon):
// per-destination logs of deferred mail so `postqueue -s site` (ETRN,
// sendmail -qR) can deliver just that mail, and `postqueue -i ID` one
// message. Users: postqueue, and qmgr (flush_add when it defers mail for a
// destination in fast_flush_domains).
// Protocol (ours): one attribute list {request, [site], [queue_id]} with
// request = add | send_site | send_file | refresh | purge; the reply is
// {status} (the FlushStatus value). A connection carries one request.
// Easy to get wrong: whether a site may be flushed is decided on BOTH sides
// from fast_flush_domains (Postfix's postqueue refuses "Flush service is not
// configured for destination" even when the mail system is down), so the
// client checks with flush_domain_allowed() before it connects.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "libutil/error.h"

namespace conf {
class Config;
}

namespace mail {

enum class FlushStatus : int {
  kOk = 0,
  kFail = 1,  // the service is down or broke the protocol
  kBad = 2,   // malformed request (bad site or queue ID)
  kDeny = 3,  // the site is not in fast_flush_domains
};

// Does fast_flush_domains (a domain match list) name `site`? An error when
// a table in the list cannot be searched.
util::Result<bool> flush_domain_allowed(const conf::Config& config, std::string_view site);

// Each connects to `service_path` (daemons: "public/flush"; commands after
// chdir to queue_directory: the same), sends one request and returns the
// status. Connection and protocol errors give kFail; `error` (if given)
// then holds the reason ("connect to public/flush: No such file or directory").
FlushStatus flush_add(const std::string& service_path, std::string_view site,
                      std::string_view queue_id, std::string* error = nullptr);
FlushStatus flush_send_site(const std::string& service_path, std::string_view site,
                            std::string* error = nullptr);
FlushStatus flush_send_file(const std::string& service_path, std::string_view queue_id,
                            std::string* error = nullptr);
FlushStatus flush_refresh(const std::string& service_path, std::string* error = nullptr);
FlushStatus flush_purge(const std::string& service_path, std::string* error = nullptr);

}  // namespace mail
