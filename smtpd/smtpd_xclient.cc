// XCLIENT and XFORWARD: a trusted proxy or content filter (listed in
// smtpd_authorized_xclient_hosts / smtpd_authorized_xforward_hosts) tells
// smtpd about the client behind it.
// XCLIENT replaces the client for the rest of the session: restrictions,
// logging, the Received: header and the queue file then see the given
// name, address, HELO and login, and the client gets a new greeting.
// XFORWARD only changes what the next message records about its origin
// (log_* attributes, the "client=" line); the session stays as it is.
#include "libutil/log.h"
#include "smtpd/smtpd_session.h"
#include "smtpd/xclient_attrs.h"

namespace smtpd {

Engine::Result Engine::xclient(const std::string& args) {
  if (in_transaction()) {
    reply("503 5.5.1 Error: MAIL transaction in progress");
    return Result::kError;
  }
  if (!xclient_allowed_) {
    reply("550 5.7.0 Error: insufficient authorization");
    return Result::kError;
  }
  auto a = parse_xclient(args);
  if (!a) {
    reply("501 5.5.4 " + a.error());
    return Result::kError;
  }
  auto or_unknown = [](const std::string& v) { return v.empty() ? std::string("unknown") : v; };
  ClientInfo& c = session_.client;
  // A name given is as good as one looked up; "[UNAVAILABLE]" (and here
  // also "[TEMPUNAVAIL]") is a name that is not there.
  auto status_of = [](const std::string& v) {
    return v.empty() ? PeerStatus::kPerm : PeerStatus::kOk;
  };
  if (a->name) {
    c.name = or_unknown(*a->name);
    c.name_status = status_of(*a->name);
    if (!a->reverse_name) {
      c.reverse_name = c.name;
      c.reverse_name_status = c.name_status;
    }
  }
  if (a->reverse_name) {
    c.reverse_name = or_unknown(*a->reverse_name);
    c.reverse_name_status = status_of(*a->reverse_name);
  }
  if (a->addr) c.addr = or_unknown(*a->addr);
  if (a->port) c.port = or_unknown(*a->port);
  if (a->destaddr) c.server_addr = or_unknown(*a->destaddr);
  if (a->destport) c.server_port = or_unknown(*a->destport);
  if (a->proto) session_.xclient_protocol = *a->proto;
  // As at a new connection: no HELO and no login unless XCLIENT gives them.
  abort_transaction();
  sticky_size_ = 0;
  session_.helo_name.reset();
  session_.esmtp = false;
  if (a->helo && !a->helo->empty()) session_.helo_name = *a->helo;
  session_.sasl_method.clear();
  session_.sasl_username.clear();
  if (a->login && !a->login->empty()) {
    session_.sasl_method = "XCLIENT";
    session_.sasl_username = *a->login;
  }
  decide_bare_newline();
  // The claimed client must itself be listed to send another XCLIENT.
  xclient_allowed_ = svc_.lists && svc_.lists->xclient_allowed(session_.client);
  connect_reject_.reset();
  if (svc_.restrictions) {
    if (auto r = svc_.restrictions->on_connect(session_)) connect_reject_ = *r;
  }
  reply("220 " + set_.banner);
  return Result::kRestarted;
}

Engine::Result Engine::xforward(const std::string& args) {
  if (in_transaction()) {
    reply("503 5.5.1 Error: MAIL transaction in progress");
    return Result::kError;
  }
  if (!xforward_allowed_) {
    reply("550 5.7.0 Error: insufficient authorization");
    return Result::kError;
  }
  auto a = parse_xforward(args);
  if (!a) {
    reply("501 5.5.4 " + a.error());
    return Result::kError;
  }
  // Several XFORWARD commands may each give some attributes.
  Session::Forwarded& f = session_.forward;
  f.given = true;
  for (auto [from, to] :
       {std::pair{&a->name, &f.name}, std::pair{&a->addr, &f.addr}, std::pair{&a->port, &f.port},
        std::pair{&a->proto, &f.proto}, std::pair{&a->helo, &f.helo},
        std::pair{&a->ident, &f.ident}, std::pair{&a->source, &f.source}})
    if (*from) *to = **from;
  reply("250 2.0.0 Ok");
  return Result::kOk;
}

}  // namespace smtpd
