#include "pipe/pipe_argv.h"

#include <array>
#include <optional>

#include "libconf/expand.h"
#include "libmail/address_syntax.h"
#include "libutil/strings.h"

namespace pipe_agent {
namespace {

constexpr std::array<std::string_view, 6> kRecipientMacros = {
    "recipient", "original_recipient", "user", "extension", "mailbox", "domain"};

// "$" stays text when the expander reads the value again.
std::string literal(std::string_view value) {
  std::string out;
  for (char c : value) {
    out += c;
    if (c == '$') out += '$';
  }
  return out;
}

struct Address {
  std::string local;
  std::string domain;  // "" without '@'
};

// `fold`: apply h and u (recipient addresses only, as Postfix's pipe).
Address split(std::string_view address, const PipeFlags& flags, bool fold) {
  Address a;
  std::size_t at = mail::rfind_unquoted(address, '@');
  if (at == std::string_view::npos) {
    a.local = std::string(address);
  } else {
    a.local = std::string(address.substr(0, at));
    a.domain = std::string(address.substr(at + 1));
  }
  if (fold && flags.fold_user) a.local = util::lowercase(a.local);
  if (fold && flags.fold_host) a.domain = util::lowercase(a.domain);
  return a;
}

std::string join(const Address& a, const PipeFlags& flags) {
  std::string local = flags.quote ? mail::requote_local_part(a.local) : a.local;
  return a.domain.empty() ? local : local + "@" + a.domain;
}

class Lookup {
 public:
  explicit Lookup(const ArgvContext& c) : c_(c) {}

  // The value of `name` for recipient `index`; nullopt when unknown.
  std::optional<std::string> value(std::string_view name, std::size_t index) {
    const mail::DeliveryRequest& r = c_.request;
    for (std::string_view m : kRecipientMacros)
      if (name == m) return recipient_value(name, r.recipients.at(index));
    if (name == "sender") {
      if (r.sender.empty()) return std::string(c_.null_sender);
      return join(split(r.sender, c_.flags, false), c_.flags);
    }
    if (name == "nexthop") return c_.flags.fold_host ? util::lowercase(r.nexthop) : r.nexthop;
    if (name == "size") return std::to_string(r.data_size);
    if (name == "queue_id") return r.queue_id;
    if (name == "client_address") return r.client_addr;
    if (name == "client_helo") return r.client_helo;
    if (name == "client_hostname") return r.client_name;
    if (name == "client_protocol") return r.client_proto;
    if (name == "client_port") return std::string();
    if (name == "sasl_method") return r.sasl_method;
    if (name == "sasl_username") return r.sasl_username;
    if (name == "sasl_sender") return std::string();
    return std::nullopt;
  }

 private:
  std::string recipient_value(std::string_view name, const mail::DeliveryRecipient& rcpt) {
    if (name == "original_recipient") {
      const std::string& orig = rcpt.orig_rcpt.empty() ? rcpt.address : rcpt.orig_rcpt;
      return join(split(orig, c_.flags, true), c_.flags);
    }
    Address a = split(rcpt.address, c_.flags, true);
    if (name == "recipient") return join(a, c_.flags);
    if (name == "mailbox") return a.local;
    if (name == "domain") return a.domain;
    std::string user = a.local, extension;
    if (!c_.recipient_delimiter.empty()) {
      std::size_t cut = user.find_first_of(c_.recipient_delimiter);
      if (cut != std::string::npos && cut > 0) {
        extension = user.substr(cut + 1);
        user.resize(cut);
      }
    }
    return name == "user" ? user : extension;
  }

  const ArgvContext& c_;
};

}  // namespace

util::Result<std::vector<std::string>> expand_pipe_argv(const std::vector<std::string>& argv,
                                                        const ArgvContext& context) {
  Lookup lookup(context);
  std::vector<std::string> out;
  for (const std::string& word : argv) {
    std::string unknown;
    bool per_recipient = false;
    auto expand_for = [&](std::size_t index) {
      conf::ExpandContext ec;
      ec.lookup = [&](std::string_view name) -> std::optional<std::string> {
        for (std::string_view m : kRecipientMacros)
          if (name == m) per_recipient = true;
        auto v = lookup.value(name, index);
        if (!v) {
          if (unknown.empty()) unknown = std::string(name);
          return std::string();
        }
        return literal(*v);
      };
      return conf::expand_macros(word, ec);
    };
    if (context.request.recipients.empty()) return util::fail("request without recipients");
    auto first = expand_for(0);
    if (!first) return std::unexpected(first.error());
    if (!unknown.empty()) return util::fail("unknown macro name: \"" + unknown + "\"");
    out.push_back(std::move(*first));
    if (!per_recipient) continue;
    for (std::size_t i = 1; i < context.request.recipients.size(); ++i) {
      auto next = expand_for(i);
      if (!next) return std::unexpected(next.error());
      out.push_back(std::move(*next));
    }
  }
  return out;
}

}  // namespace pipe_agent
