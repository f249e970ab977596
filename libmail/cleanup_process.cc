#include "libmail/cleanup_process.h"

#include <algorithm>
#include <ctime>
#include <set>
#include <tuple>

#include "libmail/cleanup_client.h"
#include "libmail/header_addresses.h"
#include "libmail/header_block.h"
#include "libmail/header_checks.h"
#include "libmail/mail_date.h"
#include "libutil/strings.h"

namespace mail {

namespace {

bool has_class(const std::vector<std::string>& classes, std::string_view name) {
  for (const auto& c : classes)
    if (util::iequals(c, name)) return true;
  return false;
}

util::Result<DictList> open_maps(const conf::Config& config, std::string_view parameter) {
  DictList out;
  auto names = config.try_get_list(parameter);
  if (!names) return std::unexpected(names.error());
  for (const auto& name : *names) {
    auto d = util::dict_open(name);
    if (!d) return std::unexpected(d.error());
    out.push_back(std::move(*d));
  }
  return out;
}

// MIME headers go to mime_header_checks, the others to header_checks.
bool is_mime_header(const Header& h) {
  return util::starts_with_icase(h.name, "content-") || h.is("mime-version");
}

bool needs_quotes(std::string_view phrase) {
  for (char c : phrase)
    if (std::string_view("()<>@,;:\\\".[]").find(c) != std::string_view::npos) return true;
  return false;
}

struct RecipientKey {
  std::string dsn_orig, orig, address;
  int notify;
  auto operator<=>(const RecipientKey&) const = default;
};

// Everything the record parser collects before processing.
struct Parsed {
  std::optional<std::pair<long, long>> arrival;
  std::vector<std::pair<std::string, std::string>> pre_attrs, post_attrs, extracted_attrs;
  std::string context = "local";
  std::optional<std::string> full_name;
  std::optional<std::string> sender;
  std::optional<std::string> verp;
  struct Rcpt {
    std::string address;
    std::optional<std::string> orig, dsn_orig;
    int notify = 0;
  };
  std::vector<Rcpt> rcpts, extracted_rcpts;
  std::vector<std::string> lines;
  std::optional<std::string> content_filter, redirect;
  int late_flags = 0;  // HOLD/DISCARD sent by smtpd in an 'f' record
  bool ended = false;
  bool bad = false;
  std::string log_origin = "local", log_protocol, log_helo;
};

Parsed parse_records(const std::vector<Record>& records) {
  Parsed p;
  enum { kEnvelope, kContent, kExtracted } seg = kEnvelope;
  std::optional<std::string> orig, dsn_orig;
  int notify = 0;
  std::string partial;
  for (const auto& r : records) {
    if (p.ended) {
      p.bad = true;
      break;
    }
    if (seg == kContent) {
      if (r.type == rec::kCont) {
        partial += r.data;
      } else if (r.type == rec::kNorm) {
        p.lines.push_back(partial + r.data);
        partial.clear();
      } else if (r.type == rec::kExtract) {
        if (!partial.empty()) p.lines.push_back(std::move(partial));
        partial.clear();
        seg = kExtracted;
      } else if (r.type == rec::kEnd) {
        // Postfix accepts a message without X.
        if (!partial.empty()) p.lines.push_back(std::move(partial));
        p.ended = true;
      } else {
        p.bad = true;
      }
      continue;
    }
    switch (r.type) {
      case rec::kSize:
      case rec::kWarn:
      case rec::kDone:
      case rec::kCanceled:
      case rec::kDeleted:
        break;  // computed again here, or already delivered
      case rec::kTime: {
        long s = 0, u = 0;
        if (std::sscanf(r.data.c_str(), "%ld %ld", &s, &u) >= 1) p.arrival = {s, u};
        break;
      }
      case rec::kFullName:
        p.full_name = r.data;
        break;
      case rec::kFrom:
        p.sender = r.data;
        break;
      case rec::kVerp:
        p.verp = r.data;
        break;
      case rec::kOrigRcpt:
        orig = r.data;
        break;
      case rec::kRcpt: {
        Parsed::Rcpt rc{r.data, orig, dsn_orig, notify};
        (seg == kEnvelope ? p.rcpts : p.extracted_rcpts).push_back(std::move(rc));
        orig.reset();
        dsn_orig.reset();
        notify = 0;
        break;
      }
      case rec::kAttr: {
        auto eq = r.data.find('=');
        if (eq == std::string::npos) {
          p.bad = true;
          break;
        }
        std::string name = r.data.substr(0, eq), value = r.data.substr(eq + 1);
        if (name == "notify_flags") {
          notify = std::atoi(value.c_str());
        } else if (name == "dsn_orig_rcpt") {
          dsn_orig = value;
        } else if (name == "create_time") {
          // cleanup writes its own
        } else {
          if (name == "rewrite_context") p.context = value;
          if (name == "log_message_origin") p.log_origin = value;
          if (name == "log_protocol_name") p.log_protocol = value;
          if (name == "log_helo_name") p.log_helo = value;
          auto& list = seg == kExtracted ? p.extracted_attrs : p.sender ? p.post_attrs : p.pre_attrs;
          list.emplace_back(std::move(name), std::move(value));
        }
        break;
      }
      case rec::kMessage:
        if (seg != kEnvelope) p.bad = true;
        seg = kContent;
        break;
      case rec::kFilter:
        // pickup sends $content_filter before T; a FILTER action's goes
        // after X. Either way the file keeps it after X, where qmgr finds it.
        p.content_filter = r.data;
        break;
      case rec::kRedirect:
        p.redirect = r.data;
        break;
      case rec::kFlags:
        // Only what a client may ask for late; never written to the file.
        p.late_flags |= std::atoi(r.data.c_str()) & (kCleanupFlagHold | kCleanupFlagDiscard);
        break;
      case rec::kEnd:
        p.ended = true;
        break;
      default:
        break;  // other envelope records are not ours to keep
    }
  }
  if (!p.sender) p.bad = true;
  return p;
}

}  // namespace

CleanupSettings CleanupSettings::from_config(const conf::Config& c) {
  CleanupSettings s;
  s.myhostname = c.get("myhostname");
  s.myorigin = c.get("myorigin");
  s.remote_header_rewrite_domain = c.get("remote_header_rewrite_domain");
  s.long_queue_ids = c.get_bool("enable_long_queue_ids");
  s.hopcount_limit = c.get_int("hopcount_limit");
  s.header_size_limit = static_cast<std::size_t>(c.get_int("header_size_limit"));
  s.message_size_limit = c.get_size("message_size_limit");
  s.line_length_limit = static_cast<std::size_t>(c.get_int("line_length_limit"));
  s.body_checks_size_limit = static_cast<std::size_t>(c.get_int("body_checks_size_limit"));
  s.delay_warning_time = c.get_time("delay_warning_time");
  s.enable_original_recipient = c.get_bool("enable_original_recipient");
  s.always_bcc = c.get("always_bcc");
  s.smtputf8_enable = c.get_bool("smtputf8_enable");
  return s;
}

util::Result<CleanupTables> CleanupTables::open(const conf::Config& config) {
  CleanupTables t;
  struct Want {
    const char* parameter;
    DictList* tables;
  };
  for (Want w : {Want{"header_checks", &t.header_checks},
                 Want{"mime_header_checks", &t.mime_header_checks},
                 Want{"nested_header_checks", &t.nested_header_checks},
                 Want{"body_checks", &t.body_checks}, Want{"canonical_maps", &t.maps.canonical},
                 Want{"sender_canonical_maps", &t.maps.sender_canonical},
                 Want{"recipient_canonical_maps", &t.maps.recipient_canonical},
                 Want{"virtual_alias_maps", &t.maps.virtual_alias}}) {
    auto d = open_maps(config, w.parameter);
    if (!d) return std::unexpected(d.error());
    *w.tables = std::move(*d);
  }
  auto canon = config.get_list("canonical_classes");
  t.maps.canon_envelope_sender = has_class(canon, "envelope_sender");
  t.maps.canon_envelope_recipient = has_class(canon, "envelope_recipient");
  t.maps.canon_header_sender = has_class(canon, "header_sender");
  t.maps.canon_header_recipient = has_class(canon, "header_recipient");
  auto masq = config.get_list("masquerade_classes");
  t.maps.masq_envelope_sender = has_class(masq, "envelope_sender");
  t.maps.masq_envelope_recipient = has_class(masq, "envelope_recipient");
  t.maps.masq_header_sender = has_class(masq, "header_sender");
  t.maps.masq_header_recipient = has_class(masq, "header_recipient");
  t.maps.masquerade_domains = config.get_list("masquerade_domains");
  for (auto& e : config.get_list("masquerade_exceptions"))
    t.maps.masquerade_exceptions.push_back(util::lowercase(e));
  t.maps.recipient_delimiter = config.get("recipient_delimiter");
  auto propagate = config.get_list("propagate_unmatched_extensions");
  t.maps.propagate_canonical = has_class(propagate, "canonical");
  t.maps.propagate_virtual = has_class(propagate, "virtual");
  t.maps.virtual_recursion_limit = config.get_int("virtual_alias_recursion_limit");
  t.maps.virtual_expansion_limit = config.get_int("virtual_alias_expansion_limit");
  return t;
}

std::string make_message_id(std::string_view queue_id, long now_seconds,
                            const std::string& myhostname, bool long_queue_ids) {
  if (long_queue_ids) return "<" + std::string(queue_id) + "@" + myhostname + ">";
  std::time_t t = now_seconds;
  std::tm utc{};
  ::gmtime_r(&t, &utc);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%d%H%M%S", &utc);
  return "<" + std::string(stamp) + "." + std::string(queue_id) + "@" + myhostname + ">";
}

std::string make_from_header(std::string_view header_name, std::string_view sender,
                             std::string_view full_name) {
  std::string out = std::string(header_name) + ": ";
  if (sender.empty()) return out + "MAILER-DAEMON";
  if (full_name.empty()) return out + std::string(sender);
  std::string phrase(full_name);
  if (needs_quotes(phrase)) {
    std::string q = "\"";
    for (char c : phrase) {
      if (c == '"' || c == '\\') q += '\\';
      q += c;
    }
    phrase = q + "\"";
  }
  return out + phrase + " <" + std::string(sender) + ">";
}

CleanupOutcome cleanup_process(const std::vector<Record>& records, int flags,
                               std::string_view queue_id, long now_seconds, long now_usec,
                               const CleanupSettings& settings, const CleanupTables& tables) {
  CleanupOutcome out;
  Parsed p = parse_records(records);
  if (p.bad || !p.ended) {
    out.status |= kCleanupStatBad;
    return out;
  }
  flags |= p.late_flags;
  const AddressMaps& maps = tables.maps;
  bool map_ok = (flags & kCleanupFlagMapOk) != 0;
  bool local = p.context != "remote";
  auto qualify = [&](std::string_view a) -> std::string {
    if (a.empty() || !tables.rewrite) return std::string(a);
    return tables.rewrite(a, true);
  };
  auto defer = [&](const util::Error& e) {
    out.warnings.push_back(e.message);
    out.status |= kCleanupStatWrite;
  };

  NewMessage& m = out.message;
  m.line_length_limit = settings.line_length_limit;
  m.arrival_seconds = p.arrival ? p.arrival->first : now_seconds;
  m.arrival_usec = p.arrival ? p.arrival->second : now_usec;
  m.create_time = now_seconds;
  m.pre_sender_attributes = p.pre_attrs;
  m.post_sender_attributes = p.post_attrs;
  m.extracted_attributes = p.extracted_attrs;
  m.full_name = p.full_name;
  m.verp_delimiters = p.verp;
  m.content_filter = p.content_filter;
  m.redirect_to = p.redirect;
  if (settings.delay_warning_time > 0) m.warning_time = m.arrival_seconds + settings.delay_warning_time;

  // Envelope sender.
  std::string sender = qualify(*p.sender);
  if (map_ok && !sender.empty()) {
    if (maps.canon_envelope_sender) {
      auto c = map_canonical(maps, sender, true);
      if (c) sender = *c; else defer(c.error());
    }
    if (maps.masq_envelope_sender) sender = masquerade(maps, sender);
  }
  m.sender = sender;

  // Recipients, envelope and extracted, with duplicates dropped.
  std::set<RecipientKey> seen;
  auto add_recipients = [&](const Parsed::Rcpt& r, std::vector<NewRecipient>& into) {
    std::string a = qualify(r.address);
    std::string orig = r.orig.value_or(r.address);
    if (map_ok) {
      if (maps.canon_envelope_recipient) {
        auto c = map_canonical(maps, a, false);
        if (c) a = *c; else defer(c.error());
      }
      if (maps.masq_envelope_recipient) a = masquerade(maps, a);
    }
    // Observed on Postfix 3.7: after canonical mapping, before virtual.
    std::string dsn_orig = r.dsn_orig.value_or("rfc822;" + a);
    std::vector<std::string> finals{a};
    if (map_ok) {
      auto v = expand_virtual(maps, a);
      if (v) finals = *v; else {
        defer(v.error());
        finals = {a};
      }
    }
    for (auto& f : finals) {
      RecipientKey key{dsn_orig, orig, f, r.notify};
      if (!seen.insert(key).second) continue;
      NewRecipient n;
      n.address = f;
      if (settings.enable_original_recipient) n.orig = orig;
      n.dsn_orig_rcpt = dsn_orig;
      n.notify_flags = r.notify;
      into.push_back(std::move(n));
    }
  };
  for (const auto& r : p.rcpts) add_recipients(r, m.recipients);
  for (const auto& r : p.extracted_rcpts) add_recipients(r, m.extracted_recipients);

  CheckLogContext logc;
  logc.origin = p.log_origin;
  logc.sender = sender;
  if (!m.recipients.empty()) logc.recipient = m.recipients.front().address;
  logc.protocol = p.log_protocol;
  logc.helo = p.log_helo;

  // Headers.
  bool filter = (flags & kCleanupFlagFilter) != 0;
  bool checks_done = false;  // after REDIRECT, later headers are not checked
  HeaderBlock block = split_header_block(p.lines, settings.header_size_limit);
  std::vector<std::string> lines;
  long hops = 0;
  bool resent = false, seen_msgid = false, seen_date = false, seen_from = false;
  bool seen_rmsgid = false, seen_rdate = false, seen_rfrom = false;
  std::string message_id_logged;
  auto apply = [&](const CheckVerdict& v, std::string_view where, const std::string& matched,
                   bool& drop, std::vector<std::string>& prepend,
                   std::optional<std::string>& replace) {
    auto log = [&](std::string_view text) {
      out.log.push_back(format_check_log(v.word, where, matched, logc, text));
    };
    switch (v.action) {
      case CheckAction::kDunno:
        break;
      // The log shows the reason in force, DSN code included (observed).
      case CheckAction::kReject:
        out.status |= kCleanupStatCont;
        if (out.reason.empty())
          out.reason = dsn_prepend("5.7.1", v.text.empty() ? "message content rejected" : v.text);
        log(out.reason);
        break;
      case CheckAction::kDefer:
        out.status |= kCleanupStatDefer;
        if (out.reason.empty())
          out.reason = dsn_prepend("4.7.1", v.text.empty() ? "service unavailable" : v.text);
        log(out.reason);
        break;
      case CheckAction::kWarn:
        log(v.text);
        break;
      case CheckAction::kHold:
        log(v.text);
        out.hold = true;
        break;
      case CheckAction::kDiscard:
        log(v.text);
        out.discard = true;
        break;
      case CheckAction::kIgnore:
        drop = true;
        break;
      case CheckAction::kPrepend:
        if (v.text.empty()) break;
        log(v.text);
        prepend.push_back(v.text);
        break;
      case CheckAction::kReplace:
        if (v.text.empty()) break;
        log(v.text);
        replace = v.text;
        break;
      case CheckAction::kRedirect:
        if (v.text.empty()) break;
        log(v.text);
        m.redirect_to = v.text;
        checks_done = true;
        break;
      case CheckAction::kFilter:
        if (v.text.empty()) break;
        log(v.text);
        m.content_filter = v.text;
        break;
      case CheckAction::kBcc: {
        if (v.text.empty()) break;
        log(v.text);
        NewRecipient n;
        n.address = v.text;
        n.orig = v.text;
        n.notify_flags = kDsnNotifyNever;
        n.bcc_action = true;
        m.extracted_recipients.push_back(std::move(n));
        break;
      }
      case CheckAction::kUnknown:
        out.warnings.push_back("unknown command in header_checks or body_checks: " + v.word);
        break;
    }
  };

  bool header_rewrite = local || !settings.remote_header_rewrite_domain.empty();
  auto rewrite_header_address = [&](std::string_view a, bool sender_header) -> std::string {
    std::string r;
    if (local) {
      r = qualify(a);
    } else {
      r = std::string(a);
      if (r.find('@') == std::string::npos && !r.empty())
        r += "@" + settings.remote_header_rewrite_domain;
    }
    if (map_ok) {
      if (sender_header ? maps.canon_header_sender : maps.canon_header_recipient) {
        auto c = map_canonical(maps, r, sender_header);
        if (c) r = *c; else defer(c.error());
      }
      if (sender_header ? maps.masq_header_sender : maps.masq_header_recipient)
        r = masquerade(maps, r);
    }
    return r;
  };

  for (Header& h : block.headers) {
    if (h.is("received") && ++hops >= settings.hopcount_limit) {
      // Postfix warns once for every Received: header at or past the limit.
      out.warnings.push_back("message rejected: hopcount exceeded");
      out.status |= kCleanupStatHopc;
    }
    if (util::starts_with_icase(h.name, "resent-")) resent = true;
    bool drop = false;
    std::vector<std::string> prepend;
    std::optional<std::string> replace;
    if (filter && !checks_done) {
      bool mime = is_mime_header(h);
      const DictList& t = mime ? tables.mime_header_checks : tables.header_checks;
      auto v = check_tables(t, h.text());
      if (!v) {
        out.warnings.push_back(v.error().message);
        defer(util::Error{std::string(mime ? "mime_header_checks" : "header_checks") +
                          " map lookup problem -- message not accepted, try again later"});
      } else if (*v) {
        apply(**v, "header", h.text(), drop, prepend, replace);
      }
    }
    for (auto& line : prepend) lines.push_back(line);
    if (drop) continue;
    if (replace) h = make_header(*replace);
    // Dropped as Postfix does (observed): delivery agents write their own
    // Return-Path, and a Content-Length would lie after any change.
    if (h.is("bcc") || h.is("resent-bcc") || h.is("return-path") || h.is("content-length"))
      continue;
    auto kind = address_header_kind(h.name);
    if (kind != AddressHeaderKind::kNone && header_rewrite) {
      std::string text = h.text();
      auto colon = text.find(':');
      std::string_view value = std::string_view(text).substr(colon + 1);
      std::string rewritten = rewrite_header_addresses(value, [&](std::string_view a) {
        return rewrite_header_address(a, kind == AddressHeaderKind::kSender);
      });
      // Postfix writes a header back only when an address in it changed.
      if (rewritten != value) {
        Header folded;
        folded.name = h.name;
        folded.lines = fold_address_header(h.name, rewritten);
        h = std::move(folded);
      }
    }
    if (h.is("message-id")) {
      seen_msgid = true;
      out.log.push_back("message-id=" + h.value());
      message_id_logged = h.value();
    }
    if (h.is("resent-message-id")) {
      seen_rmsgid = true;
      out.log.push_back("resent-message-id=" + h.value());
    }
    if (h.is("date")) seen_date = true;
    if (h.is("resent-date")) seen_rdate = true;
    if (h.is("from")) seen_from = true;
    if (h.is("resent-from")) seen_rfrom = true;
    for (auto& l : h.lines) lines.push_back(l);
  }

  // SMTPUTF8 flags of the size record: what the client asked for, and
  // whether the sender or a header (Received: "for <rcpt>" included) is
  // not ASCII. A non-ASCII recipient alone sets nothing, and the headers
  // added below are not looked at (observed).
  if (settings.smtputf8_enable) {
    auto non_ascii = [](std::string_view text) {
      return std::any_of(text.begin(), text.end(),
                         [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
    };
    if (flags & kCleanupFlagSmtputf8) m.smtputf8 |= kSmtputf8Requested;
    if (std::any_of(lines.begin(), lines.end(), non_ascii)) m.smtputf8 |= kSmtputf8Header;
    if (non_ascii(sender)) m.smtputf8 |= kSmtputf8Sender;
  }

  // Missing headers, appended after the last one (local submissions only).
  if (local) {
    std::string prefix = resent ? "Resent-" : "";
    if (!(resent ? seen_rmsgid : seen_msgid)) {
      // The time stamp is cleanup's own clock, not the arrival time (they
      // differ for mail that waited in maildrop/).
      std::string id = make_message_id(queue_id, now_seconds, settings.myhostname,
                                       settings.long_queue_ids);
      lines.push_back(prefix + "Message-Id: " + id);
      out.log.push_back(std::string(resent ? "resent-message-id=" : "message-id=") + id);
    }
    if (!(resent ? seen_rdate : seen_date))
      lines.push_back(prefix + "Date: " + mail_date(static_cast<std::time_t>(m.arrival_seconds)));
    if (!(resent ? seen_rfrom : seen_from))
      lines.push_back(make_from_header(prefix + "From", sender, p.full_name.value_or("")));
  }
  // A message without Message-ID: (remote, or resent) logs an empty one,
  // after the resent-message-id line (observed).
  if (!seen_msgid && (resent || !local)) out.log.push_back("message-id=<>");

  // Body.
  std::size_t checked = 0;
  bool in_body = false;
  for (auto& line : block.body) {
    if (!in_body) {
      in_body = true;
      if (line.empty()) {  // the separator is not body text
        lines.push_back(line);
        continue;
      }
    }
    if (filter && !tables.body_checks.empty() && checked < settings.body_checks_size_limit) {
      checked += line.size() + 1;
      auto v = check_tables(tables.body_checks, line);
      bool drop = false;
      std::vector<std::string> prepend;
      std::optional<std::string> replace;
      if (!v) {
        out.warnings.push_back(v.error().message);
        defer(util::Error{"body_checks map lookup problem -- message not accepted, try again later"});
      } else if (*v) {
        apply(**v, "body", line, drop, prepend, replace);
      }
      for (auto& l : prepend) lines.push_back(l);
      if (drop) continue;
      lines.push_back(replace ? *replace : line);
      continue;
    }
    lines.push_back(line);
  }
  m.lines = std::move(lines);
  // A discarded message is not processed further: Postfix logs no
  // message-id after the discard line (observed).
  if (out.discard) {
    auto at = std::find_if(out.log.begin(), out.log.end(),
                           [](const std::string& l) { return l.starts_with("discard: "); });
    if (at != out.log.end())
      out.log.erase(std::remove_if(at, out.log.end(),
                                   [](const std::string& l) {
                                     return l.starts_with("message-id=") ||
                                            l.starts_with("resent-message-id=");
                                   }),
                    out.log.end());
  }

  // always_bcc goes where a BCC action's recipient goes: after X, NOTIFY=NEVER.
  if ((flags & kCleanupFlagBccOk) && !settings.always_bcc.empty()) {
    NewRecipient n;
    n.address = qualify(settings.always_bcc);
    n.orig = n.address;
    n.notify_flags = kDsnNotifyNever;
    n.bcc_action = true;
    m.extracted_recipients.push_back(std::move(n));
  }

  if (settings.message_size_limit > 0) {
    long long size = 0;
    for (const auto& l : m.lines) size += static_cast<long long>(l.size()) + 1;
    if (size > settings.message_size_limit) out.status |= kCleanupStatSize;
  }
  if (m.recipients.empty() && m.extracted_recipients.empty() && !out.discard)
    out.status |= kCleanupStatRcpt;
  if (flags & kCleanupFlagHold) out.hold = true;
  if (flags & kCleanupFlagDiscard) out.discard = true;
  return out;
}

}  // namespace mail
