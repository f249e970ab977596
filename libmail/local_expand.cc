#include "libmail/local_expand.h"

#include <set>

#include "libmail/local_targets.h"
#include "libutil/strings.h"

namespace mail {

std::string_view local_source_name(LocalSource source) {
  switch (source) {
    case LocalSource::kAlias: return "alias";
    case LocalSource::kForward: return "forward";
    case LocalSource::kInclude: return "include";
    case LocalSource::kRecipient: break;
  }
  return "";
}

namespace {

class Expander {
 public:
  Expander(const LocalExpandSettings& settings, const LocalExpandHooks& hooks)
      : settings_(settings), hooks_(hooks) {}

  // Where we are: the address being expanded and what it inherited.
  struct Frame {
    std::string address;
    std::string sender;
    LocalSource source = LocalSource::kRecipient;
    LocalPrivs privs;
    int depth = 0;
    bool top = false;  // the request's own recipient: always local
  };

  void expand_address(const Frame& f) {
    if (f.depth > settings_.max_depth) {
      add_status(f, LocalActionKind::kBounce, "5.4.6", "mail forwarding loop for " + f.address);
      return;
    }
    auto at = f.address.rfind('@');
    std::string local = util::lowercase(f.address.substr(0, at));
    std::string domain = at == std::string::npos ? "" : f.address.substr(at + 1);
    if (!f.top && !domain.empty() && !is_local(domain)) {
      add_forward(f);
      return;
    }
    auto [user, extension] = split_extension(local);

    // Aliases, unless this name is already being expanded.
    if (!alias_chain_.contains(local) && !alias_chain_.contains(user)) {
      std::vector<std::string> keys{local};
      if (!extension.empty()) keys.push_back(user);
      for (const auto& key : keys) {
        auto hit = hooks_.lookup_alias(key);
        if (!hit) {
          add_status(f, LocalActionKind::kDefer, "4.3.0", "alias database unavailable");
          return;
        }
        if (!*hit) continue;
        expand_alias(f, key, **hit);
        return;
      }
      if (user == "mailer-daemon" || user == "postmaster") {
        if (hooks_.warn) hooks_.warn("required alias not found: " + user);
        add_status(f, LocalActionKind::kDiscard, "2.0.0", "discarded");
        return;
      }
    }

    auto pw = hooks_.lookup_user(user);
    if (!pw) {
      add_status(f, LocalActionKind::kDefer, "4.3.0", "user lookup error");
      return;
    }
    if (!*pw) {
      if (!settings_.luser_relay.empty() && f.depth < settings_.max_depth) {
        Frame relay = f;
        relay.top = false;
        relay.depth = f.depth + 1;
        relay.address = qualify(settings_.luser_relay);
        expand_address(relay);
        return;
      }
      add_status(f, LocalActionKind::kBounce, "5.1.1", "unknown user: \"" + local + "\"");
      return;
    }
    const util::UserInfo& info = **pw;

    // The user's .forward, unless we are inside it already.
    if (!forward_chain_.contains(info.name)) {
      auto content = hooks_.read_forward ? hooks_.read_forward(info, extension)
                                         : util::Result<std::optional<std::string>>(std::nullopt);
      if (!content) {
        add_status(f, LocalActionKind::kDefer, "4.3.0",
                   "cannot read .forward file: " + content.error().message);
        return;
      }
      if (*content) {
        auto specs = parse_target_file(**content);
        if (!specs.empty()) {
          forward_chain_.insert(info.name);
          Frame child = f;
          child.source = LocalSource::kForward;
          child.privs = LocalPrivs{info.uid, info.gid};
          child.depth = f.depth + 1;
          child.top = false;
          for (const auto& spec : specs) expand_spec(child, spec, &info);
          forward_chain_.erase(info.name);
          return;
        }
      }
    }
    add_mailbox(f, info, extension);
  }

  std::vector<LocalAction> take() { return std::move(actions_); }

 private:
  bool is_local(std::string_view domain) const {
    if (hooks_.is_local_domain) return hooks_.is_local_domain(domain);
    return util::iequals(domain, settings_.myorigin);
  }

  std::string qualify(std::string_view name) const {
    if (name.find('@') != std::string_view::npos || settings_.myorigin.empty())
      return std::string(name);
    return std::string(name) + "@" + settings_.myorigin;
  }

  std::pair<std::string, std::string> split_extension(const std::string& local) const {
    if (settings_.recipient_delimiter.empty() || local.starts_with("owner-"))
      return {local, ""};
    auto pos = local.find_first_of(settings_.recipient_delimiter);
    if (pos == std::string::npos || pos == 0) return {local, ""};
    return {local.substr(0, pos), local.substr(pos + 1)};
  }

  void expand_alias(const Frame& f, const std::string& name, const AliasHit& hit) {
    Frame child = f;
    child.source = LocalSource::kAlias;
    child.privs = hit.privs;
    child.depth = f.depth + 1;
    child.top = false;
    // owner-NAME receives the errors of NAME's expansion.
    if (!f.sender.empty() && !name.starts_with("owner-")) {
      auto owner = hooks_.lookup_alias("owner-" + name);
      if (!owner) {
        add_status(f, LocalActionKind::kDefer, "4.3.0", "alias database unavailable");
        return;
      }
      if (*owner) child.sender = qualify("owner-" + name);
    }
    alias_chain_.insert(name);
    for (const auto& spec : parse_target_list(hit.value)) expand_spec(child, spec, nullptr);
    alias_chain_.erase(name);
  }

  // One entry of an alias value, .forward or :include: file. `user` is the
  // .forward's owner when the entry comes from one.
  void expand_spec(const Frame& f, const LocalTargetSpec& spec, const util::UserInfo* user) {
    switch (spec.type) {
      case LocalTargetType::kAddress: {
        Frame child = f;
        child.address = qualify(spec.value);
        expand_address(child);
        return;
      }
      case LocalTargetType::kMailbox: {
        std::string name = util::lowercase(spec.value.substr(0, spec.value.rfind('@')));
        auto [base, extension] = split_extension(name);
        auto pw = hooks_.lookup_user(base);
        Frame child = f;
        child.address = qualify(spec.value);
        if (!pw) {
          add_status(child, LocalActionKind::kDefer, "4.3.0", "user lookup error");
        } else if (!*pw) {
          add_status(child, LocalActionKind::kBounce, "5.1.1", "unknown user: \"" + name + "\"");
        } else {
          add_mailbox(child, **pw, extension);
        }
        return;
      }
      case LocalTargetType::kCommand:
      case LocalTargetType::kFile: {
        bool command = spec.type == LocalTargetType::kCommand;
        std::string key = (command ? "command:" : "file:") + std::to_string(f.privs.uid) + ":" +
                          spec.value;
        if (!seen_.insert(key).second) return;
        LocalAction a = base_action(f);
        a.kind = command ? LocalActionKind::kCommand : LocalActionKind::kFile;
        a.value = spec.value;
        if (user) a.user = *user;
        actions_.push_back(std::move(a));
        return;
      }
      case LocalTargetType::kInclude: {
        if (!seen_.insert("include:" + spec.value).second) return;
        LocalPrivs owner = f.privs;
        auto content = hooks_.read_include(spec.value, f.privs, owner);
        if (!content) {
          add_status(f, LocalActionKind::kDefer, "4.3.0",
                     "cannot open include file " + spec.value + ": " + content.error().message);
          return;
        }
        Frame child = f;
        child.source = LocalSource::kInclude;
        // A file owned by root keeps the privileges we have; any other
        // owner's file runs its commands as that owner.
        if (owner.uid != 0) child.privs = owner;
        child.depth = f.depth + 1;
        for (const auto& s : parse_target_file(*content)) expand_spec(child, s, user);
        return;
      }
    }
  }

  LocalAction base_action(const Frame& f) const {
    LocalAction a;
    a.address = f.address;
    a.sender = f.sender;
    a.source = f.source;
    a.privs = f.privs;
    auto at = f.address.rfind('@');
    a.local = util::lowercase(f.address.substr(0, at));
    a.domain = at == std::string::npos ? "" : f.address.substr(at + 1);
    a.extension = split_extension(a.local).second;
    return a;
  }

  void add_mailbox(const Frame& f, const util::UserInfo& info, const std::string& extension) {
    if (!seen_.insert("mailbox:" + info.name).second) return;
    LocalAction a = base_action(f);
    a.kind = LocalActionKind::kMailbox;
    a.user = info;
    a.privs = LocalPrivs{info.uid, info.gid};
    a.extension = extension;
    actions_.push_back(std::move(a));
  }

  void add_forward(const Frame& f) {
    if (!seen_.insert("forward:" + util::lowercase(f.address)).second) return;
    LocalAction a = base_action(f);
    a.kind = LocalActionKind::kForward;
    a.value = f.address;
    actions_.push_back(std::move(a));
  }

  void add_status(const Frame& f, LocalActionKind kind, std::string dsn, std::string text) {
    LocalAction a = base_action(f);
    a.kind = kind;
    a.dsn = std::move(dsn);
    a.text = std::move(text);
    actions_.push_back(std::move(a));
  }

  const LocalExpandSettings& settings_;
  const LocalExpandHooks& hooks_;
  std::set<std::string> alias_chain_;
  std::set<std::string> forward_chain_;
  std::set<std::string> seen_;
  std::vector<LocalAction> actions_;
};

}  // namespace

std::vector<LocalAction> expand_local_recipient(std::string_view address, std::string_view sender,
                                                const LocalExpandSettings& settings,
                                                const LocalExpandHooks& hooks) {
  Expander e(settings, hooks);
  Expander::Frame top;
  top.address = std::string(address);
  top.sender = std::string(sender);
  top.top = true;
  e.expand_address(top);
  return e.take();
}

}  // namespace mail
