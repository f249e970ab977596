// DNS lookups for the restriction engine (restriction_dns.h).
#include "smtpd/restriction_dns.h"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netdb.h>
#include <resolv.h>

#include <algorithm>
#include <array>

#include "libutil/log.h"
#include "smtpd/restriction_hostname.h"

namespace smtpd {
namespace {

using Answer = DnsAnswer;

// Postfix's words for the resolver's h_errno values.
std::string dns_strerror(int error) {
  switch (error) {
    case HOST_NOT_FOUND:
      return "Host not found";
    case TRY_AGAIN:
      return "Host not found, try again";
    case NO_RECOVERY:
      return "Non-recoverable error";
    case NO_DATA:
      return "Host found but no data record of requested type";
    default:
      return "Unknown error";
  }
}

Answer query(std::string_view name, int type) {
  Answer out;
  std::array<unsigned char, 4096> buf{};
  std::string n(name);
  int len = res_query(n.c_str(), ns_c_in, type, buf.data(), static_cast<int>(buf.size()));
  if (len < 0) {
    out.status = (h_errno == HOST_NOT_FOUND || h_errno == NO_DATA) ? DnsStatus::kNotFound
                                                                   : DnsStatus::kRetry;
    out.error = dns_strerror(h_errno);
    return out;
  }
  // Header, then the question section, then the answers (RFC 1035 4.1).
  const unsigned char* base = buf.data();
  const unsigned char* eom = base + len;
  if (len < 12) {
    out.status = DnsStatus::kRetry;
    return out;
  }
  int qdcount = (base[4] << 8) | base[5];
  int ancount = (base[6] << 8) | base[7];
  const unsigned char* p = base + 12;
  for (int i = 0; i < qdcount; ++i) {
    int n = dn_skipname(p, eom);
    if (n < 0 || p + n + 4 > eom) {
      out.status = DnsStatus::kRetry;
      return out;
    }
    p += n + 4;
  }
  for (int i = 0; i < ancount; ++i) {
    int n = dn_skipname(p, eom);
    if (n < 0 || p + n + 10 > eom) break;
    p += n;
    int rtype = (p[0] << 8) | p[1];
    int rdlen = (p[8] << 8) | p[9];
    p += 10;
    if (p + rdlen > eom) break;
    const unsigned char* rd = p;
    p += rdlen;
    if (rtype != type) continue;
    char text[NS_MAXDNAME];
    if (type == ns_t_a && rdlen == 4) {
      inet_ntop(AF_INET, rd, text, sizeof text);
      out.data.emplace_back(text);
    } else if (type == ns_t_aaaa && rdlen == 16) {
      inet_ntop(AF_INET6, rd, text, sizeof text);
      out.data.emplace_back(text);
    } else if (type == ns_t_mx && rdlen >= 3) {
      int pref = (rd[0] << 8) | rd[1];
      if (dn_expand(base, eom, rd + 2, text, sizeof text) < 0) continue;
      std::string host(text);
      if (pref == 0 && (host.empty() || host == ".")) out.null_mx = true;
      out.data.push_back(host);
      out.preferences.push_back(pref);
    } else if ((type == ns_t_ns || type == ns_t_ptr) && rdlen > 0) {
      if (dn_expand(base, eom, rd, text, sizeof text) < 0) continue;
      out.data.emplace_back(text);
    } else if (type == ns_t_txt) {
      std::string joined;
      for (int pos = 0; pos < rdlen;) {
        int slen = rd[pos];
        if (pos + 1 + slen > rdlen) break;
        joined.append(reinterpret_cast<const char*>(rd + pos + 1), slen);
        pos += 1 + slen;
      }
      out.data.push_back(joined);
    }
  }
  out.status = out.data.empty() ? DnsStatus::kNotFound : DnsStatus::kOk;
  if (out.data.empty()) out.error = dns_strerror(NO_DATA);
  return out;
}

std::string ascii_fold(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

}  // namespace

DnsAnswer dns_query(std::string_view name, int type) {
  Answer a = query(name, type);
  if (a.status == DnsStatus::kOk && a.null_mx) a.status = DnsStatus::kNullMx;
  return a;
}

DnsStatus dns_host_exists(std::string_view name) {
  bool retry = false;
  for (int type : {ns_t_a, ns_t_aaaa, ns_t_mx}) {
    Answer a = query(name, type);
    if (a.status == DnsStatus::kOk) return DnsStatus::kOk;
    if (a.status == DnsStatus::kRetry) retry = true;
  }
  return retry ? DnsStatus::kRetry : DnsStatus::kNotFound;
}

DnsStatus dns_mail_domain_exists(std::string_view domain) {
  Answer mx = query(domain, ns_t_mx);
  if (mx.status == DnsStatus::kOk) return mx.null_mx ? DnsStatus::kNullMx : DnsStatus::kOk;
  bool retry = mx.status == DnsStatus::kRetry;
  for (int type : {ns_t_a, ns_t_aaaa}) {
    Answer a = query(domain, type);
    if (a.status == DnsStatus::kOk) return DnsStatus::kOk;
    if (a.status == DnsStatus::kRetry) retry = true;
  }
  return retry ? DnsStatus::kRetry : DnsStatus::kNotFound;
}

std::optional<std::string> rbl_query_name(std::string_view client_addr,
                                          std::string_view rbl_domain) {
  std::string addr(client_addr);
  unsigned char bytes[16];
  std::string out;
  if (inet_pton(AF_INET, addr.c_str(), bytes) == 1) {
    for (int i = 3; i >= 0; --i) out += std::to_string(bytes[i]) + ".";
  } else if (inet_pton(AF_INET6, addr.c_str(), bytes) == 1) {
    static constexpr char kHex[] = "0123456789abcdef";
    for (int i = 15; i >= 0; --i) {
      out += kHex[bytes[i] & 0xf];
      out += '.';
      out += kHex[bytes[i] >> 4];
      out += '.';
    }
  } else {
    return std::nullopt;
  }
  return out + std::string(rbl_domain);
}

std::optional<std::string> rhsbl_query_name(std::string_view what, std::string_view rbl_domain) {
  std::string name(what);
  if (auto at = name.rfind('@'); at != std::string::npos) name = name.substr(at + 1);
  if (name.empty() || name.front() == '[') return std::nullopt;
  auto dot = name.rfind('.');
  std::string last = dot == std::string::npos ? name : name.substr(dot + 1);
  if (std::all_of(last.begin(), last.end(),
                  [](char ch) { return std::isdigit(static_cast<unsigned char>(ch)); }))
    return std::nullopt;
  if (!valid_hostname(name)) return std::nullopt;
  return name + "." + std::string(rbl_domain);
}

RblRecord rbl_fetch(const std::string& name) {
  RblRecord out;
  Answer a = query(name, ns_t_a);
  if (a.status == DnsStatus::kRetry) {
    out.soft = true;
    util::msg_warn(name +
                   ": RBL lookup error: Host or domain name not found. Name service "
                   "error for name=" +
                   name + " type=A: Host not found, try again");
    return out;
  }
  if (a.status != DnsStatus::kOk) return out;
  out.found = true;
  out.addresses = a.data;
  Answer txt = query(name, ns_t_txt);
  for (const auto& t : txt.data) {
    if (!out.txt.empty()) out.txt += " / ";
    out.txt += t;
    if (out.txt.size() >= 500) {
      out.txt.resize(500);
      break;
    }
  }
  return out;
}

namespace {

// One octet pattern of Postfix's ip_match: "2", "[2;4]", "[2..4;9]".
bool octet_matches(std::string_view pattern, int octet) {
  auto number = [](std::string_view text) -> int {
    if (text.empty() || text.size() > 3 || !std::all_of(text.begin(), text.end(), [](char ch) {
          return std::isdigit(static_cast<unsigned char>(ch));
        }))
      return -1;
    int v = std::stoi(std::string(text));
    return v <= 255 ? v : -1;
  };
  if (pattern.size() >= 2 && pattern.front() == '[' && pattern.back() == ']') {
    std::string_view items = pattern.substr(1, pattern.size() - 2);
    while (!items.empty()) {
      auto semi = items.find(';');
      std::string_view item = items.substr(0, semi);
      items = semi == std::string_view::npos ? std::string_view() : items.substr(semi + 1);
      auto range = item.find("..");
      int lo = number(item.substr(0, range));
      int hi = range == std::string_view::npos ? lo : number(item.substr(range + 2));
      if (lo >= 0 && hi >= 0 && octet >= lo && octet <= hi) return true;
    }
    return false;
  }
  return number(pattern) == octet;
}

bool address_matches(std::string_view pattern, const std::string& address) {
  unsigned char bytes[4];
  if (inet_pton(AF_INET, address.c_str(), bytes) != 1) return false;
  for (int i = 0; i < 4; ++i) {
    auto dot = i < 3 ? pattern.find('.') : std::string_view::npos;
    // A '.' inside [...] cannot occur ("[2..4]" uses two): split outside brackets.
    if (i < 3 && pattern.find('[') < dot) {
      auto close = pattern.find(']');
      if (close == std::string_view::npos) return false;
      dot = pattern.find('.', close);
    }
    if (i < 3 && dot == std::string_view::npos) return false;
    if (!octet_matches(pattern.substr(0, dot), bytes[i])) return false;
    pattern = i < 3 ? pattern.substr(dot + 1) : std::string_view();
  }
  return true;
}

}  // namespace

bool rbl_matches(const RblRecord& record, std::string_view want) {
  if (!record.found) return false;
  if (want.empty()) return true;
  std::string w = ascii_fold(want);
  std::size_t start = 0;
  while (start <= w.size()) {
    std::size_t end = w.find(',', start);
    if (end == std::string::npos) end = w.size();
    std::string one = w.substr(start, end - start);
    for (const auto& got : record.addresses)
      if (address_matches(one, got)) return true;
    start = end + 1;
  }
  return false;
}

RblAnswer rbl_lookup(const std::string& name, std::string_view want) {
  RblRecord record = rbl_fetch(name);
  RblAnswer out;
  out.soft = record.soft;
  out.listed = rbl_matches(record, want);
  out.addresses = record.addresses;
  out.txt = record.txt;
  return out;
}

const RblRecord& RblCache::lookup(const std::string& query) {
  auto it = entries_.find(query);
  if (it != entries_.end()) {
    order_.splice(order_.begin(), order_, it->second.second);
    return it->second.first;
  }
  if (entries_.size() >= kLimit) {
    entries_.erase(order_.back());
    order_.pop_back();
  }
  order_.push_front(query);
  return entries_.emplace(query, std::pair{rbl_fetch(query), order_.begin()}).first->second.first;
}

}  // namespace smtpd
