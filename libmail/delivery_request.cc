// Delivery request and reply: encoding to and decoding from attribute lists,
// and the blocking agent/client exchanges (delivery_request.h).
// The parser treats the peer as untrusted: a missing or ill-typed attribute,
// an unknown status, a negative offset or too many recipients is an error
// naming the attribute, never a default silently filled in.
#include "libmail/delivery_request.h"

#include <cstdint>
#include <optional>
#include <string>

#include "libmail/daemon_options.h"
#include "libmail/delivery_log.h"
#include "libmail/single_server.h"
#include "libutil/log.h"

namespace mail {
namespace {

// A request never carries more recipients than a transport's recipient
// limit; this bounds what a broken qmgr (or agent reply) can make us hold.
constexpr size_t kMaxRecipients = 10000;

// Times travel as integer microseconds: the attribute protocol has no float.
std::int64_t to_usec(double seconds) { return static_cast<std::int64_t>(seconds * 1e6 + 0.5); }
double from_usec(std::int64_t usec) { return static_cast<double>(usec) / 1e6; }

util::Error named(std::string_view context, const util::Error& e) {
  util::Error out = e;
  out.message = std::string(context) + ": " + e.message;
  out.kind = util::ErrorKind::kMalformed;
  return out;
}

// Helpers that copy one attribute into a field, remembering the first error.
struct Reader {
  const AttrList& attrs;
  std::string context;
  std::optional<util::Error> error;

  void str(std::string_view name, std::string& out) {
    if (error) return;
    auto v = attrs.get_string(name);
    if (!v)
      error = named(context, v.error());
    else
      out = std::move(*v);
  }
  template <class T>
  void num(std::string_view name, T& out) {
    if (error) return;
    auto v = attrs.get_int(name);
    if (!v)
      error = named(context, v.error());
    else
      out = static_cast<T>(*v);
  }
  void offset(std::string_view name, off_t& out) {
    std::int64_t v = 0;
    num(name, v);
    if (error) return;
    if (v < 0) {
      error = util::Error{context + ": attribute " + std::string(name) + ": negative offset", 0,
                          util::ErrorKind::kMalformed};
      return;
    }
    out = static_cast<off_t>(v);
  }
  void time(std::string_view name, double& out) {
    std::int64_t v = 0;
    num(name, v);
    if (!error) out = from_usec(v);
  }
};

util::Result<const AttrList*> bounded_list(const AttrList& attrs, std::string_view name,
                                           std::string_view context) {
  auto list = attrs.get_list(name);
  if (!list) return std::unexpected(named(context, list.error()));
  if ((*list)->size() > kMaxRecipients)
    return util::fail_kind(util::ErrorKind::kTooLong,
                           std::string(context) + ": too many " + std::string(name));
  for (const Attr& a : (*list)->attrs())
    if (a.type != Attr::Type::kList)
      return util::fail_kind(
          util::ErrorKind::kMalformed,
          std::string(context) + ": attribute " + std::string(name) + ": element is not a list");
  return *list;
}

}  // namespace

AttrList delivery_request_attrs(const DeliveryRequest& r) {
  AttrList list;
  list.add("flags", r.flags)
      .add("queue_name", r.queue_name)
      .add("queue_id", r.queue_id)
      .add("data_offset", std::int64_t{r.data_offset})
      .add("data_size", std::int64_t{r.data_size})
      .add("nexthop", r.nexthop)
      .add("encoding", r.encoding)
      .add("smtputf8", r.smtputf8)
      .add("sender", r.sender)
      .add("dsn_envid", r.dsn_envid)
      .add("dsn_ret", r.dsn_ret)
      .add("arrival_time", to_usec(r.arrival_time))
      .add("active_time", to_usec(r.active_time))
      .add("client_name", r.client_name)
      .add("client_addr", r.client_addr)
      .add("client_proto", r.client_proto)
      .add("client_helo", r.client_helo)
      .add("sasl_method", r.sasl_method)
      .add("sasl_username", r.sasl_username)
      .add("log_ident", r.log_ident)
      .add("rewrite_context", r.rewrite_context)
      .add("log_client_name", r.log_client_name)
      .add("log_client_address", r.log_client_addr)
      .add("log_client_port", r.log_client_port)
      .add("log_helo_name", r.log_helo_name)
      .add("log_protocol_name", r.log_protocol_name);
  AttrList rcpts;
  for (const DeliveryRecipient& rc : r.recipients) {
    AttrList one;
    one.add("offset", std::int64_t{rc.offset})
        .add("orig_rcpt", rc.orig_rcpt)
        .add("address", rc.address)
        .add("dsn_orcpt", rc.dsn_orcpt)
        .add("dsn_notify", rc.dsn_notify);
    rcpts.add("recipient", std::move(one));
  }
  list.add("recipients", std::move(rcpts));
  return list;
}

util::Result<DeliveryRequest> parse_delivery_request(const AttrList& attrs) {
  DeliveryRequest r;
  Reader in{attrs, "delivery request", {}};
  in.num("flags", r.flags);
  in.str("queue_name", r.queue_name);
  in.str("queue_id", r.queue_id);
  in.num("data_offset", r.data_offset);
  in.num("data_size", r.data_size);
  in.str("nexthop", r.nexthop);
  in.str("encoding", r.encoding);
  in.num("smtputf8", r.smtputf8);
  in.str("sender", r.sender);
  in.str("dsn_envid", r.dsn_envid);
  in.num("dsn_ret", r.dsn_ret);
  in.time("arrival_time", r.arrival_time);
  in.time("active_time", r.active_time);
  in.str("client_name", r.client_name);
  in.str("client_addr", r.client_addr);
  in.str("client_proto", r.client_proto);
  in.str("client_helo", r.client_helo);
  in.str("sasl_method", r.sasl_method);
  in.str("sasl_username", r.sasl_username);
  in.str("log_ident", r.log_ident);
  in.str("rewrite_context", r.rewrite_context);
  in.str("log_client_name", r.log_client_name);
  in.str("log_client_address", r.log_client_addr);
  in.str("log_client_port", r.log_client_port);
  in.str("log_helo_name", r.log_helo_name);
  in.str("log_protocol_name", r.log_protocol_name);
  if (in.error) return std::unexpected(*in.error);
  if (r.queue_id.empty())
    return util::fail_kind(util::ErrorKind::kMalformed, "delivery request: empty queue_id");
  if (r.data_offset < 0 || r.data_size < 0)
    return util::fail_kind(util::ErrorKind::kMalformed,
                           "delivery request: negative data offset or size");
  auto rcpts = bounded_list(attrs, "recipients", "delivery request");
  if (!rcpts) return std::unexpected(rcpts.error());
  if ((*rcpts)->empty())
    return util::fail_kind(util::ErrorKind::kMalformed, "delivery request: no recipients");
  for (const Attr& a : (*rcpts)->attrs()) {
    DeliveryRecipient rc;
    Reader rin{a.list, "delivery request recipient", {}};
    rin.offset("offset", rc.offset);
    rin.str("orig_rcpt", rc.orig_rcpt);
    rin.str("address", rc.address);
    rin.str("dsn_orcpt", rc.dsn_orcpt);
    rin.num("dsn_notify", rc.dsn_notify);
    if (rin.error) return std::unexpected(*rin.error);
    r.recipients.push_back(std::move(rc));
  }
  return r;
}

AttrList delivery_reply_attrs(const DeliveryReply& reply) {
  AttrList results;
  for (const RecipientResult& res : reply.results) {
    AttrList one;
    one.add("offset", std::int64_t{res.offset})
        .add("status", std::string(delivery_status_name(res.status)))
        .add("dsn", res.dsn)
        .add("action", res.action)
        .add("text", res.text)
        .add("diag_type", res.diag_type)
        .add("diag_text", res.diag_text)
        .add("mta_type", res.mta_type)
        .add("mta_mname", res.mta_mname);
    results.add("result", std::move(one));
  }
  AttrList list;
  list.add("results", std::move(results));
  return list;
}

util::Result<DeliveryReply> parse_delivery_reply(const AttrList& attrs) {
  DeliveryReply reply;
  auto results = bounded_list(attrs, "results", "delivery reply");
  if (!results) return std::unexpected(results.error());
  for (const Attr& a : (*results)->attrs()) {
    RecipientResult res;
    std::string status;
    Reader in{a.list, "delivery reply result", {}};
    in.offset("offset", res.offset);
    in.str("status", status);
    in.str("dsn", res.dsn);
    in.str("action", res.action);
    in.str("text", res.text);
    in.str("diag_type", res.diag_type);
    in.str("diag_text", res.diag_text);
    in.str("mta_type", res.mta_type);
    in.str("mta_mname", res.mta_mname);
    if (in.error) return std::unexpected(*in.error);
    if (status == "sent")
      res.status = DeliveryStatus::kSent;
    else if (status == "deferred")
      res.status = DeliveryStatus::kDeferred;
    else if (status == "bounced")
      res.status = DeliveryStatus::kBounced;
    else
      return util::fail_kind(
          util::ErrorKind::kMalformed,
          "delivery reply result: attribute status: unknown value \"" + status + "\"");
    reply.results.push_back(std::move(res));
  }
  return reply;
}

bool serve_delivery_request(util::Stream& client, Daemon& daemon, const DeliveryHandler& deliver) {
  auto attrs = read_attrs(client);
  if (!attrs) {
    // A client that simply went away is not worth a warning.
    if (attrs.error().kind != util::ErrorKind::kEof)
      util::msg_warn("read delivery request: " + attrs.error().message);
    return false;
  }
  auto request = parse_delivery_request(*attrs);
  if (!request) {
    util::msg_warn(request.error().message);
    return false;
  }
  DeliveryReply reply = deliver(*request, daemon);
  auto written = write_attrs(client, delivery_reply_attrs(reply));
  if (!written) {
    util::msg_warn("write delivery reply for " + request->queue_id + ": " +
                   written.error().message);
    return false;
  }
  return true;
}

util::Result<DeliveryReply> send_delivery_request(util::Stream& agent,
                                                  const DeliveryRequest& request) {
  auto reply = attr_request(agent, delivery_request_attrs(request));
  if (!reply) return std::unexpected(reply.error());
  return parse_delivery_reply(*reply);
}

void delivery_agent_main(int argc, char** argv, std::string_view program,
                         const std::function<DeliveryHandler(Daemon&)>& make) {
  std::optional<DeliveryHandler> handler;
  ServerHooks hooks;
  hooks.pre_jail = [&](Daemon& daemon) { handler = make(daemon); };
  single_server_main(
      argc, argv, program,
      [&](util::Stream& client, Daemon& daemon) {
        serve_delivery_request(client, daemon, *handler);
      },
      hooks);
}

}  // namespace mail
