// The virtual delivery agent (Postfix's virtual(8)): mail for
// virtual_mailbox_domains goes to mailboxes under virtual_mailbox_base,
// named by virtual_mailbox_maps (a result ending in '/' is a Maildir,
// otherwise an mbox file), written as the uid and gid that
// virtual_uid_maps and virtual_gid_maps give (static:N is the usual form).
// Lookups use Postfix's address order: user+ext@domain, user@domain,
// @domain (a catch-all).
// Easy to get wrong: a missing or bad uid/gid (or one below
// virtual_minimum_uid) is the administrator's mistake, so the mail waits
// ("mail system configuration error") instead of bouncing; only a
// recipient missing from virtual_mailbox_maps bounces ('unknown user:
// "ADDR"'); mailboxes are locked with virtual_mailbox_lock and limited by
// virtual_mailbox_limit.
#pragma once

namespace virtual_agent {

int run(int argc, char** argv);

}  // namespace virtual_agent
