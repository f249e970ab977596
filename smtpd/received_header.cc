#include "smtpd/received_header.h"

namespace smtpd {

std::vector<std::string> received_header(const ReceivedInfo& r) {
  std::vector<std::string> lines;
  std::string addr =
      r.client_addr.find(':') != std::string::npos ? "IPv6:" + r.client_addr : r.client_addr;
  lines.push_back("Received: from " + (r.helo.empty() ? r.client_name : r.helo) + " (" +
                  r.client_name + " [" + addr + "])");
  if (!r.tls_comment.empty()) {
    size_t pos = 0;
    while (pos <= r.tls_comment.size()) {
      size_t nl = r.tls_comment.find('\n', pos);
      std::string part = r.tls_comment.substr(pos, nl == std::string::npos ? nl : nl - pos);
      if (!part.empty() && part[0] != '\t') part = "\t" + part;
      lines.push_back(part);
      if (nl == std::string::npos) break;
      pos = nl + 1;
    }
  }
  if (!r.auth_sender.empty()) lines.push_back("\t(Authenticated sender: " + r.auth_sender + ")");
  std::string by =
      "\tby " + r.myhostname + " (" + r.mail_name + ") with " + r.protocol + " id " + r.queue_id;
  if (!r.single_recipient.empty()) {
    lines.push_back(by);
    lines.push_back("\tfor <" + r.single_recipient + ">; " + r.date);
  } else {
    lines.push_back(by + ";");
    lines.push_back("\t" + r.date);
  }
  return lines;
}

}  // namespace smtpd
