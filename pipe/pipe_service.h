// The pipe delivery agent (Postfix's pipe(8)): a master.cf service such as
//   maildrop unix - n n - - pipe
//     flags=DRXhu user=vmail argv=/usr/bin/maildrop -d ${recipient}
// delivers each request by running the command (no shell) as user= with
// the message on its standard input, formatted as flags= asks (From_ line,
// Return-Path, Delivered-To, X-Original-To, ">From " and dot quoting, a
// final blank line, eol=), and reports for all the request's recipients
// from how the command ended (libmail/command_status.h): "delivered via
// SERVICE service (output)" on success.
// Easy to get wrong: D and O need one recipient per request
// (SERVICE_destination_recipient_limit = 1), otherwise the request defers
// with a configuration error; size= bounces a larger message before the
// command runs; the time limit is SERVICE_time_limit (command_time_limit).
#pragma once

#include <string>
#include <vector>

#include "libmail/delivery_request.h"
#include "pipe/pipe_attributes.h"

namespace pipe_agent {

// The bytes the command reads for `request` (flags, eol, null_sender).
std::string pipe_copy(const PipeAttributes& attr, const mail::DeliveryRequest& request,
                      const std::vector<std::string>& lines, std::time_t when);

int run(int argc, char** argv);

}  // namespace pipe_agent
