// Alias and .forward expansion for local(8): turns one recipient of a
// delivery request into the final actions (mailbox, file, command, forward
// to another address, bounce, defer), with the envelope sender and the
// privileges each one runs with.
// Users: local/local_service (which then performs the actions) and the unit
// tests; the lookups go through hooks so tests use real hash: tables and
// the daemon adds the OS parts (passwd, reading files as a user).
// Easy to get wrong:
//  - an alias table that cannot be read DEFERS the recipient (4.3.0), it
//    never bounces and never falls through to the mailbox;
//  - a name already being expanded is not looked up again ("joe: joe, bob"
//    delivers to joe's mailbox), the same with a .forward naming its user;
//  - duplicates are delivered once per request;
//  - owner-NAME (when it exists) becomes the sender of NAME's expansion;
//  - lookups use the lower-cased local part, with the extension first
//    ("user+ext"), then without it ("user").
#pragma once

#include <sys/types.h>

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "libutil/error.h"
#include "libutil/privileges.h"

namespace mail {

struct LocalPrivs {
  uid_t uid = 0;
  gid_t gid = 0;
};

// Where a file or command destination came from (allow_mail_to_commands,
// allow_mail_to_files name these).
enum class LocalSource { kRecipient, kAlias, kForward, kInclude };
std::string_view local_source_name(LocalSource source);  // "alias", "forward", "include", ""

enum class LocalActionKind { kMailbox, kFile, kCommand, kForward, kBounce, kDefer, kDiscard };

struct LocalAction {
  LocalActionKind kind = LocalActionKind::kMailbox;
  std::string address;     // the recipient this action delivers for (to= in the log)
  std::string sender;      // envelope sender of this copy
  std::string value;       // file path, command, or forward address
  LocalSource source = LocalSource::kRecipient;
  std::optional<util::UserInfo> user;  // mailbox owner, or the .forward's user
  LocalPrivs privs;        // file and command deliveries run as this
  std::string extension;   // address extension that led here (EXTENSION=)
  std::string local;       // local part of `address` (LOCAL=)
  std::string domain;      // domain of `address` (DOMAIN=)
  std::string dsn;         // kBounce / kDefer / kDiscard
  std::string text;
};

struct AliasHit {
  std::string value;
  LocalPrivs privs;  // the table's owner, or default_privs for root-owned tables
};

struct LocalExpandHooks {
  // One alias_maps lookup; an Error means a table could not be read.
  std::function<util::Result<std::optional<AliasHit>>(std::string_view name)> lookup_alias;
  std::function<util::Result<std::optional<util::UserInfo>>(std::string_view name)> lookup_user;
  // The user's .forward content (forward_path for this extension), nullopt
  // when there is none or it is not acceptable.
  std::function<util::Result<std::optional<std::string>>(const util::UserInfo& user,
                                                         std::string_view extension)>
      read_forward;
  // An :include: file read with `privs`; its owner is stored in `owner`.
  std::function<util::Result<std::string>(const std::string& path, const LocalPrivs& privs,
                                          LocalPrivs& owner)>
      read_include;
  // Is this domain ours? Unset: only unqualified names are local.
  std::function<bool(std::string_view domain)> is_local_domain;
  // Warnings ("required alias not found: mailer-daemon").
  std::function<void(std::string_view)> warn;
};

struct LocalExpandSettings {
  std::string recipient_delimiter;  // "" = no extensions
  std::string luser_relay;          // "" = unknown users bounce
  std::string myorigin;             // qualifies bare names and owner- senders
  LocalPrivs default_privs;
  int max_depth = 100;
};

// Expand one request recipient. Never empty: every outcome is an action.
std::vector<LocalAction> expand_local_recipient(std::string_view address, std::string_view sender,
                                                const LocalExpandSettings& settings,
                                                const LocalExpandHooks& hooks);

}  // namespace mail
