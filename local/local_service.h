// local(8)'s request handler: for each recipient of a delivery request,
// detect Delivered-To loops, expand aliases/.forward/:include:
// (libmail/local_expand), perform every resulting action (mailbox, maildir,
// file, command, forward through cleanup), log one line per final
// recipient and answer one result per request recipient.
// Users: local/main.cc.
// Easy to get wrong: the reply for an alias is the whole expansion's
// outcome: deferred when any part deferred (the next attempt redoes it,
// as Postfix does), otherwise sent, after handing the bounced members to
// the bounce service ourselves, so the sender learns exactly which member
// failed.
#pragma once

namespace local {

int run(int argc, char** argv);

}  // namespace local
