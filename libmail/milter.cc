#include "libmail/milter.h"

#include <arpa/inet.h>

#include <cctype>
#include <cstring>

#include "libutil/log.h"
#include "libutil/socket.h"

namespace mail {

namespace {

// Commands (MTA -> milter).
constexpr char kCmdOptneg = 'O', kCmdMacro = 'D', kCmdConnect = 'C', kCmdHelo = 'H', kCmdMail = 'M',
               kCmdRcpt = 'R', kCmdData = 'T', kCmdHeader = 'L', kCmdEoh = 'N', kCmdBody = 'B',
               kCmdEom = 'E', kCmdAbort = 'A', kCmdQuit = 'Q';

// Protocol step flags (SMFIP_*).
constexpr std::uint32_t kNoConnect = 0x1, kNoHelo = 0x2, kNoMail = 0x4, kNoRcpt = 0x8,
                        kNoBody = 0x10, kNoHdrs = 0x20, kNoEoh = 0x40, kNrHdr = 0x80,
                        kNoData = 0x200, kNrConn = 0x1000, kNrHelo = 0x2000, kNrMail = 0x4000,
                        kNrRcpt = 0x8000, kNrData = 0x10000, kNrEoh = 0x40000, kNrBody = 0x80000,
                        kHdrLeadSpc = 0x100000;

// Action flags (SMFIF_*).
constexpr std::uint32_t kActAddHdrs = 0x1, kActChgBody = 0x2, kActAddRcpt = 0x4, kActDelRcpt = 0x8,
                        kActChgHdrs = 0x10, kActQuarantine = 0x20, kActChgFrom = 0x40,
                        kActAddRcptPar = 0x80;

// What we offer per protocol version.
std::uint32_t offered_protocol(int version) {
  if (version >= 6) return 0x1FFFFF;
  if (version >= 4) return 0x3FF;
  if (version >= 3) return 0x17F;
  return 0x7F;
}
std::uint32_t offered_actions(int version) {
  if (version >= 6) return 0x1FF;
  if (version >= 3) return 0x3F;
  return 0x1F;
}

// Largest packet we accept from a milter: a body chunk is at most 64 KiB;
// a reply text or header a few KiB.
constexpr std::uint32_t kMaxPacket = 1024 * 1024;
constexpr size_t kBodyChunk = 65535;
// Bounds on what one end of message may ask for: edits and their bytes.
constexpr size_t kMaxEdits = 10000;
constexpr size_t kMaxEditBytes = 64 * 1024 * 1024;

void put32(std::string& out, std::uint32_t v) {
  std::uint32_t n = htonl(v);
  out.append(reinterpret_cast<const char*>(&n), 4);
}
std::uint32_t get32(std::string_view in) {
  std::uint32_t n;
  std::memcpy(&n, in.data(), 4);
  return ntohl(n);
}

// Split a packet payload into its NUL-terminated strings.
std::vector<std::string> cstrings(std::string_view data) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < data.size()) {
    size_t nul = data.find('\0', pos);
    if (nul == std::string_view::npos) nul = data.size();
    out.emplace_back(data.substr(pos, nul - pos));
    pos = nul + 1;
  }
  return out;
}

// "j {daemon_name} v": names split on blanks and commas, braces kept (the
// main.cf list splitter would take "{daemon_name}" for a grouped value).
std::vector<std::string> macro_names(std::string_view list) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < list.size()) {
    size_t end = list.find_first_of(" \t\r\n,", pos);
    if (end == std::string_view::npos) end = list.size();
    if (end > pos) out.emplace_back(list.substr(pos, end - pos));
    pos = end + 1;
  }
  return out;
}

// A milter's reply text must start with a 4xx/5xx code.
bool valid_reply_text(const std::string& text) {
  return text.size() >= 3 && (text[0] == '4' || text[0] == '5') &&
         std::isdigit(static_cast<unsigned char>(text[1])) &&
         std::isdigit(static_cast<unsigned char>(text[2])) &&
         (text.size() == 3 || text[3] == ' ' || text[3] == '-');
}

}  // namespace

Milter Milter::open(const MilterSettings& settings, const MilterMacroLists& macros) {
  Milter m;
  m.settings_ = settings;
  std::string spec = settings.name;
  util::Result<util::Fd> fd = util::fail("no endpoint");
  if (spec.starts_with("unix:") || spec.starts_with("local:") || spec.starts_with("/")) {
    std::string path =
        spec.substr(spec.find(':') == std::string::npos || spec[0] == '/' ? 0 : spec.find(':') + 1);
    fd = util::unix_connect(path, settings.connect_timeout);
  } else {
    std::string hp = spec.starts_with("inet:") ? spec.substr(5) : spec;
    auto split = util::split_host_port(hp);
    if (!split || split->host.empty() || split->port.empty()) {
      util::msg_warn("Milter service needs transport:endpoint instead of \"" + spec + "\"");
      m.failed_ = true;
      return m;
    }
    fd = util::inet_connect(settings.address.empty() ? split->host : settings.address, split->port,
                            settings.connect_timeout);
  }
  if (!fd) {
    util::msg_warn("connect to Milter service " + spec + ": " + fd.error().message);
    m.failed_ = true;
    return m;
  }
  m.stream_.emplace(std::move(*fd), settings.command_timeout);
  if (auto n = m.negotiate(macros); !n) {
    m.fail(n.error().message);
  }
  return m;
}

util::Result<void> Milter::negotiate(const MilterMacroLists& macros) {
  macro_lists_[static_cast<int>(MilterStage::kConnect)] = macros.connect;
  macro_lists_[static_cast<int>(MilterStage::kHelo)] = macros.helo;
  macro_lists_[static_cast<int>(MilterStage::kMail)] = macros.mail;
  macro_lists_[static_cast<int>(MilterStage::kRcpt)] = macros.rcpt;
  macro_lists_[static_cast<int>(MilterStage::kData)] = macros.data;
  macro_lists_[static_cast<int>(MilterStage::kEom)] = macros.eom;
  macro_lists_[static_cast<int>(MilterStage::kEoh)] = macros.eoh;
  int version = settings_.protocol < 2 ? 2 : settings_.protocol > 6 ? 6 : settings_.protocol;
  std::string data;
  put32(data, static_cast<std::uint32_t>(version));
  put32(data, offered_actions(version));
  put32(data, offered_protocol(version));
  if (auto s = send(kCmdOptneg, data); !s) return s;
  auto r = receive(settings_.command_timeout);
  if (!r) return std::unexpected(r.error());
  auto& [code, payload] = *r;
  if (code != kCmdOptneg || payload.size() < 12)
    return util::fail("unexpected reply to option negotiation");
  version_ = get32(payload);
  actions_ = get32(std::string_view(payload).substr(4));
  protocol_ = get32(std::string_view(payload).substr(8));
  if (version_ < 2 || version_ > 6)
    return util::fail("unsupported protocol version " + std::to_string(version_));
  if (actions_ & ~offered_actions(version)) return util::fail("requested unsupported actions");
  if (protocol_ & ~offered_protocol(version))
    return util::fail("requested unsupported protocol steps");
  // Version 6: the milter may name the macros it wants per stage.
  std::string_view rest = std::string_view(payload).substr(12);
  while (rest.size() >= 4) {
    std::uint32_t stage = get32(rest);
    rest.remove_prefix(4);
    size_t nul = rest.find('\0');
    std::string_view list = rest.substr(0, nul);
    if (stage < 7) macro_lists_[stage] = std::string(list);
    rest.remove_prefix(nul == std::string_view::npos ? rest.size() : nul + 1);
  }
  return {};
}

std::optional<Milter> Milter::from_attrs(const AttrList& a, util::Fd fd) {
  Milter m;
  auto str = [&](const char* n) { return a.get_string(n).value_or(""); };
  auto num = [&](const char* n) { return a.get_int(n).value_or(0); };
  m.settings_.name = str("name");
  m.settings_.command_timeout = std::chrono::milliseconds(num("command_timeout"));
  m.settings_.content_timeout = std::chrono::milliseconds(num("content_timeout"));
  auto d = parse_milter_default(str("default_action"));
  if (!d) return std::nullopt;
  m.settings_.default_action = *d;
  m.version_ = static_cast<std::uint32_t>(num("version"));
  m.actions_ = static_cast<std::uint32_t>(num("actions"));
  m.protocol_ = static_cast<std::uint32_t>(num("protocol"));
  for (int i = 0; i < 7; ++i) m.macro_lists_[i] = str(("macros" + std::to_string(i)).c_str());
  m.message_done_ = num("message_done") != 0;
  m.stream_.emplace(std::move(fd), m.settings_.command_timeout);
  return m;
}

AttrList Milter::to_attrs() const {
  AttrList a;
  a.add("name", settings_.name)
      .add("command_timeout", static_cast<std::int64_t>(settings_.command_timeout.count()))
      .add("content_timeout", static_cast<std::int64_t>(settings_.content_timeout.count()))
      .add("default_action", milter_default_name(settings_.default_action))
      .add("version", static_cast<std::int64_t>(version_))
      .add("actions", static_cast<std::int64_t>(actions_))
      .add("protocol", static_cast<std::int64_t>(protocol_))
      .add("message_done", message_done_ ? 1 : 0);
  for (int i = 0; i < 7; ++i) a.add("macros" + std::to_string(i), macro_lists_[i]);
  return a;
}

bool Milter::header_leading_space() const { return protocol_ & kHdrLeadSpc; }
bool Milter::wants_headers() const { return !(protocol_ & kNoHdrs); }
bool Milter::wants_body() const { return !(protocol_ & kNoBody) && !skip_body_; }

MilterReply Milter::default_reply() const {
  switch (settings_.default_action) {
    case MilterDefault::kAccept:
      return {};
    case MilterDefault::kReject:
      return {MilterVerdict::kReject, "550 5.5.0 Service unavailable"};
    case MilterDefault::kQuarantine:
      return {MilterVerdict::kQuarantine, "milter_default_action"};
    case MilterDefault::kTempfail:
      break;
  }
  return {MilterVerdict::kTempfail, "451 4.7.1 Service unavailable - try again later"};
}

MilterReply Milter::fail(const std::string& why) {
  util::msg_warn("milter " + settings_.name + ": " + why);
  if (stream_) stream_.reset();
  failed_ = true;
  return default_reply();
}

util::Result<void> Milter::send(char command, std::string_view data) {
  if (!stream_) return util::fail("not connected");
  std::string packet;
  put32(packet, static_cast<std::uint32_t>(data.size() + 1));
  packet += command;
  packet.append(data);
  if (auto w = stream_->write(packet); !w) return w;
  return stream_->flush();
}

util::Result<std::pair<char, std::string>> Milter::receive(std::chrono::milliseconds timeout) {
  if (!stream_) return util::fail("not connected");
  stream_->set_timeout(timeout);
  auto head = stream_->read_exact(4);
  if (!head) return std::unexpected(head.error());
  std::uint32_t len = get32(*head);
  if (len == 0 || len > kMaxPacket) return util::fail("bad packet length " + std::to_string(len));
  auto body = stream_->read_exact(len);
  if (!body) return std::unexpected(body.error());
  char code = (*body)[0];
  return std::pair<char, std::string>{code, body->substr(1)};
}

void Milter::send_macros(MilterStage stage, char command, const MilterMacroLookup& lookup) {
  if (!lookup) return;
  std::string data(1, command);
  for (const auto& name : macro_names(macro_lists_[static_cast<int>(stage)])) {
    // "{name}" and "name" are the same macro to a milter.
    auto v = lookup(name);
    if (!v && name.size() > 2 && name.front() == '{') v = lookup(name.substr(1, name.size() - 2));
    if (!v && name.size() == 1) v = lookup("{" + name + "}");
    if (!v) continue;
    data += name;
    data += '\0';
    data += *v;
    data += '\0';
  }
  (void)send(kCmdMacro, data);
}

MilterReply Milter::interpret(char code, const std::string& data, std::vector<MilterEdit>* edits,
                              bool* more) {
  *more = false;
  auto strs = cstrings(data);
  auto need_edits = [&](std::uint32_t action) { return edits && (actions_ & action); };
  switch (code) {
    case 'c':
      return {};
    case 'a':
      return {MilterVerdict::kAccept, ""};
    case 'r':
      return {MilterVerdict::kReject, "550 5.7.1 Command rejected"};
    case 't':
      return {MilterVerdict::kTempfail, "451 4.7.1 Service unavailable - try again later"};
    case 'd':
      return {MilterVerdict::kDiscard, ""};
    case 'y': {
      std::string text = strs.empty() ? "" : strs[0];
      if (!valid_reply_text(text)) return fail("malformed reply code: " + text.substr(0, 100));
      return {text[0] == '4' ? MilterVerdict::kTempfail : MilterVerdict::kReject, text};
    }
    case 's':
      skip_body_ = true;
      return {};
    case 'p':
      *more = true;
      return {};
    case 'q':
      if (!need_edits(kActQuarantine)) break;
      edits->push_back(
          {MilterEdit::Kind::kQuarantine, 0, "", strs.empty() ? "" : strs[0], "", false});
      *more = true;
      return {};
    case 'h':
      if (!need_edits(kActAddHdrs) || strs.size() < 2) break;
      edits->push_back(
          {MilterEdit::Kind::kAddHeader, 0, strs[0], strs[1], "", header_leading_space()});
      *more = true;
      return {};
    case 'i':
    case 'm': {
      if (!need_edits(code == 'i' ? kActAddHdrs : kActChgHdrs) || data.size() < 4) break;
      auto rest = cstrings(std::string_view(data).substr(4));
      if (rest.empty()) break;
      MilterEdit e{code == 'i' ? MilterEdit::Kind::kInsertHeader : MilterEdit::Kind::kChangeHeader,
                   get32(data),
                   rest[0],
                   rest.size() > 1 ? rest[1] : "",
                   "",
                   header_leading_space()};
      edits->push_back(std::move(e));
      *more = true;
      return {};
    }
    case '+':
    case '2':
      if (!need_edits(code == '+' ? kActAddRcpt : kActAddRcptPar) || strs.empty()) break;
      edits->push_back(
          {MilterEdit::Kind::kAddRcpt, 0, "", strs[0], strs.size() > 1 ? strs[1] : "", false});
      *more = true;
      return {};
    case '-':
      if (!need_edits(kActDelRcpt) || strs.empty()) break;
      edits->push_back({MilterEdit::Kind::kDelRcpt, 0, "", strs[0], "", false});
      *more = true;
      return {};
    case 'e':
      if (!need_edits(kActChgFrom) || strs.empty()) break;
      edits->push_back(
          {MilterEdit::Kind::kChangeFrom, 0, "", strs[0], strs.size() > 1 ? strs[1] : "", false});
      *more = true;
      return {};
    case 'b':
      if (!need_edits(kActChgBody)) break;
      // Chunks of one replacement body arrive as consecutive packets.
      if (!edits->empty() && edits->back().kind == MilterEdit::Kind::kReplaceBody)
        edits->back().value += data;
      else
        edits->push_back({MilterEdit::Kind::kReplaceBody, 0, "", data, "", false});
      *more = true;
      return {};
    default:
      break;
  }
  return fail(std::string("unexpected reply code '") +
              (std::isprint(static_cast<unsigned char>(code)) ? std::string(1, code) : "?") + "'");
}

MilterReply Milter::exchange(char command, std::string_view data, bool no_reply,
                             std::chrono::milliseconds timeout, std::vector<MilterEdit>* edits) {
  if (auto s = send(command, data); !s) return fail("write error: " + s.error().message);
  if (no_reply) return {};
  size_t edit_bytes = 0;
  for (;;) {
    auto r = receive(timeout);
    if (!r) return fail("read error: " + r.error().message);
    edit_bytes += r->second.size();
    if (edits && (edits->size() >= kMaxEdits || edit_bytes > kMaxEditBytes))
      return fail("too many message edits");
    bool more = false;
    MilterReply reply = interpret(r->first, r->second, edits, &more);
    if (failed_) return reply;
    if (!more) return reply;
  }
}

MilterReply Milter::connect(std::string_view hostname, std::string_view address, int port,
                            const MilterMacroLookup& macros) {
  if (failed_) return default_reply();
  if (!active()) return {};
  if (protocol_ & kNoConnect) return {};
  send_macros(MilterStage::kConnect, kCmdConnect, macros);
  std::string data(hostname);
  data += '\0';
  if (address.empty()) {
    data += 'U';
  } else {
    data += address.find(':') != std::string_view::npos ? '6' : '4';
    std::uint16_t p = htons(static_cast<std::uint16_t>(port));
    data.append(reinterpret_cast<const char*>(&p), 2);
    data += address;
    data += '\0';
  }
  MilterReply r =
      exchange(kCmdConnect, data, protocol_ & kNrConn, settings_.command_timeout, nullptr);
  if (r.verdict != MilterVerdict::kContinue) session_done_ = true;
  return r;
}

namespace {
void finish_message_state(MilterReply& r, bool& message_done) {
  if (r.verdict != MilterVerdict::kContinue) message_done = true;
}
}  // namespace

MilterReply Milter::helo(std::string_view name, const MilterMacroLookup& macros) {
  if (failed_) return default_reply();
  if (!active() || (protocol_ & kNoHelo)) return {};
  send_macros(MilterStage::kHelo, kCmdHelo, macros);
  std::string data(name);
  data += '\0';
  return exchange(kCmdHelo, data, protocol_ & kNrHelo, settings_.command_timeout, nullptr);
}

MilterReply Milter::mail(const std::vector<std::string>& args, const MilterMacroLookup& macros) {
  if (failed_) return default_reply();
  message_done_ = false;
  skip_body_ = false;
  if (!active() || (protocol_ & kNoMail)) return {};
  send_macros(MilterStage::kMail, kCmdMail, macros);
  std::string data;
  for (const auto& a : args) data += a + '\0';
  MilterReply r = exchange(kCmdMail, data, protocol_ & kNrMail, settings_.command_timeout, nullptr);
  finish_message_state(r, message_done_);
  return r;
}

MilterReply Milter::rcpt(const std::vector<std::string>& args, const MilterMacroLookup& macros) {
  if (failed_) return default_reply();
  if (!message_active() || (protocol_ & kNoRcpt)) return {};
  send_macros(MilterStage::kRcpt, kCmdRcpt, macros);
  std::string data;
  for (const auto& a : args) data += a + '\0';
  MilterReply r = exchange(kCmdRcpt, data, protocol_ & kNrRcpt, settings_.command_timeout, nullptr);
  // A recipient's reject refuses that recipient only; accept/discard end
  // the milter's part in the message.
  if (r.verdict == MilterVerdict::kAccept || r.verdict == MilterVerdict::kDiscard)
    message_done_ = true;
  return r;
}

MilterReply Milter::data(const MilterMacroLookup& macros) {
  if (failed_) return default_reply();
  if (!message_active() || version_ < 4 || (protocol_ & kNoData)) return {};
  send_macros(MilterStage::kData, kCmdData, macros);
  MilterReply r = exchange(kCmdData, "", protocol_ & kNrData, settings_.command_timeout, nullptr);
  finish_message_state(r, message_done_);
  return r;
}

MilterReply Milter::header(std::string_view name, std::string_view value) {
  if (failed_) return default_reply();
  if (!message_active() || (protocol_ & kNoHdrs)) return {};
  std::string data(name);
  data += '\0';
  data += value;
  data += '\0';
  MilterReply r =
      exchange(kCmdHeader, data, protocol_ & kNrHdr, settings_.content_timeout, nullptr);
  finish_message_state(r, message_done_);
  return r;
}

MilterReply Milter::eoh(const MilterMacroLookup& macros) {
  if (failed_) return default_reply();
  if (!message_active() || (protocol_ & kNoEoh)) return {};
  send_macros(MilterStage::kEoh, kCmdEoh, macros);
  MilterReply r = exchange(kCmdEoh, "", protocol_ & kNrEoh, settings_.content_timeout, nullptr);
  finish_message_state(r, message_done_);
  return r;
}

MilterReply Milter::body(std::string_view text) {
  if (failed_) return default_reply();
  if (!message_active() || !wants_body()) return {};
  for (size_t pos = 0; pos < text.size() && !skip_body_; pos += kBodyChunk) {
    MilterReply r = exchange(kCmdBody, text.substr(pos, kBodyChunk), protocol_ & kNrBody,
                             settings_.content_timeout, nullptr);
    finish_message_state(r, message_done_);
    if (r.verdict != MilterVerdict::kContinue || failed_) return r;
  }
  return {};
}

MilterReply Milter::eom(const MilterMacroLookup& macros, std::vector<MilterEdit>& edits) {
  if (failed_) return default_reply();
  if (!message_active()) return {};
  send_macros(MilterStage::kEom, kCmdEom, macros);
  std::vector<MilterEdit> mine;
  MilterReply r = exchange(kCmdEom, "", false, settings_.content_timeout, &mine);
  if (failed_) return r;
  message_done_ = true;
  // Edits count only when the milter does not reject the message.
  if (r.verdict == MilterVerdict::kContinue || r.verdict == MilterVerdict::kAccept)
    for (auto& e : mine) edits.push_back(std::move(e));
  return r;
}

void Milter::abort() {
  if (!active() || failed_ || message_done_) return;
  (void)send(kCmdAbort, "");
  message_done_ = false;
  skip_body_ = false;
}

void Milter::quit() {
  if (stream_ && !failed_) (void)send(kCmdQuit, "");
  stream_.reset();
  session_done_ = true;
}

}  // namespace mail
