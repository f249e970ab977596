#include "libmail/milter_message.h"

#include <algorithm>
#include <cctype>
#include <optional>

namespace mail {

namespace {

// The message as headers (continuation lines joined by "\n") and body lines.
struct SplitMessage {
  std::vector<std::string> headers;
  // smtpd's Received: (index into headers): not shown to milters and not
  // counted by change-header indexes; insert indexes count it (observed on
  // Postfix 3.7: index 0 inserts above it).
  std::optional<size_t> hidden;
  std::vector<std::string> body;
  bool has_separator = false;
};

bool is_header_start(const std::string& line) {
  auto colon = line.find(':');
  if (colon == std::string::npos || colon == 0) return false;
  for (size_t i = 0; i < colon; ++i) {
    unsigned char c = static_cast<unsigned char>(line[i]);
    if (c <= ' ' || c > '~') return false;
  }
  return true;
}

bool is_received(const std::string& h) {
  return h.size() > 9 && (h[0] == 'R' || h[0] == 'r') && h.find(':') == 8 &&
         std::equal(h.begin(), h.begin() + 8, "received", [](char a, char b) {
           return std::tolower(static_cast<unsigned char>(a)) == b;
         });
}

SplitMessage split(const std::vector<std::string>& lines, bool hide_own_received) {
  SplitMessage m;
  size_t i = 0;
  for (; i < lines.size(); ++i) {
    const std::string& l = lines[i];
    if (!l.empty() && (l[0] == ' ' || l[0] == '\t') && !m.headers.empty()) {
      m.headers.back() += "\n" + l;
    } else if (is_header_start(l)) {
      m.headers.push_back(l);
    } else {
      break;
    }
  }
  if (i < lines.size() && lines[i].empty()) {
    m.has_separator = true;
    ++i;
  }
  m.body.assign(lines.begin() + static_cast<long>(i), lines.end());
  if (hide_own_received && !m.headers.empty() && is_received(m.headers.front())) m.hidden = 0;
  return m;
}

std::vector<std::string> join(const SplitMessage& m) {
  std::vector<std::string> out;
  for (const auto& h : m.headers) {
    size_t pos = 0;
    for (;;) {
      size_t nl = h.find('\n', pos);
      out.push_back(h.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos));
      if (nl == std::string::npos) break;
      pos = nl + 1;
    }
  }
  if (m.has_separator || !m.body.empty()) out.emplace_back();
  out.insert(out.end(), m.body.begin(), m.body.end());
  return out;
}

std::string header_name(const std::string& h) { return h.substr(0, h.find(':')); }

bool same_name(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// "Name: value" from a milter's name and value; CRLF in the value becomes
// the "\n" of a continuation line.
std::string make_header(const MilterEdit& e) {
  std::string value;
  for (size_t i = 0; i < e.value.size(); ++i) {
    if (e.value[i] == '\r' && i + 1 < e.value.size() && e.value[i + 1] == '\n') continue;
    value += e.value[i];
  }
  return e.name + ":" + (e.leading_space ? "" : " ") + value;
}

std::string strip_brackets(std::string a) {
  if (a.size() >= 2 && a.front() == '<' && a.back() == '>') a = a.substr(1, a.size() - 2);
  return a;
}

std::vector<std::string> body_lines(const std::string& crlf_text) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < crlf_text.size()) {
    size_t nl = crlf_text.find('\n', pos);
    size_t end = nl == std::string::npos ? crlf_text.size() : nl;
    std::string line = crlf_text.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    out.push_back(std::move(line));
    pos = nl == std::string::npos ? crlf_text.size() : nl + 1;
  }
  return out;
}

}  // namespace

void apply_milter_edits(const std::vector<MilterEdit>& edits, NewMessage& message,
                        MilterContentOutcome& outcome, bool hide_own_received,
                        const MilterAddressMapper& mapper) {
  SplitMessage m = split(message.lines, hide_own_received);
  for (const auto& e : edits) {
    switch (e.kind) {
      case MilterEdit::Kind::kAddHeader:
        m.headers.push_back(make_header(e));
        break;
      case MilterEdit::Kind::kInsertHeader: {
        size_t at = std::min<size_t>(e.index, m.headers.size());
        m.headers.insert(m.headers.begin() + static_cast<long>(at), make_header(e));
        if (m.hidden && at <= *m.hidden) ++*m.hidden;
        break;
      }
      case MilterEdit::Kind::kChangeHeader: {
        std::uint32_t want = e.index == 0 ? 1 : e.index;
        std::uint32_t seen = 0;
        auto it = m.headers.begin();
        for (; it != m.headers.end(); ++it) {
          size_t pos = static_cast<size_t>(it - m.headers.begin());
          if (m.hidden && pos == *m.hidden) continue;
          if (same_name(header_name(*it), e.name) && ++seen == want) break;
        }
        if (it == m.headers.end()) {
          if (!e.value.empty()) m.headers.push_back(make_header(e));
        } else if (e.value.empty()) {
          if (m.hidden && static_cast<size_t>(it - m.headers.begin()) < *m.hidden) --*m.hidden;
          m.headers.erase(it);
        } else {
          *it = make_header(e);
        }
        break;
      }
      case MilterEdit::Kind::kAddRcpt: {
        std::string a = strip_brackets(e.value);
        if (mapper.recipient) {
          for (auto& r : mapper.recipient(a)) message.recipients.push_back(std::move(r));
        } else {
          NewRecipient r;
          r.address = a;
          r.orig = a;
          message.recipients.push_back(std::move(r));
        }
        break;
      }
      case MilterEdit::Kind::kDelRcpt: {
        std::string a = strip_brackets(e.value);
        std::erase_if(message.recipients, [&](const NewRecipient& r) {
          return same_name(r.address, a) || (r.orig && same_name(*r.orig, a));
        });
        break;
      }
      case MilterEdit::Kind::kChangeFrom:
        message.sender =
            mapper.sender ? mapper.sender(strip_brackets(e.value)) : strip_brackets(e.value);
        break;
      case MilterEdit::Kind::kReplaceBody:
        m.body = body_lines(e.value);
        break;
      case MilterEdit::Kind::kQuarantine:
        outcome.hold = true;
        outcome.hold_reason = e.value;
        break;
    }
  }
  message.lines = join(m);
}

MilterContentOutcome run_milter_content(std::vector<Milter>& milters, NewMessage& message,
                                        const MilterMacroLookup& macros, bool hide_own_received,
                                        const MilterAddressMapper& mapper) {
  MilterContentOutcome outcome;
  for (auto& milter : milters) {
    if (!milter.message_active()) continue;
    auto stop = [&](const MilterReply& r) {
      if (r.verdict == MilterVerdict::kContinue) return false;
      if (r.verdict == MilterVerdict::kAccept) return true;  // this milter is done
      if (r.verdict == MilterVerdict::kQuarantine) {
        outcome.hold = true;
        outcome.hold_reason = r.text;
        return true;
      }
      outcome.reply = r;
      return true;
    };
    SplitMessage m = split(message.lines, hide_own_received);
    bool done = false;
    if (milter.wants_headers()) {
      for (size_t i = 0; i < m.headers.size(); ++i) {
        if (m.hidden && i == *m.hidden) continue;
        const std::string& h = m.headers[i];
        std::string name = header_name(h);
        std::string value = h.substr(name.size() + 1);
        if (!milter.header_leading_space()) {
          size_t skip = 0;
          while (skip < value.size() && (value[skip] == ' ' || value[skip] == '\t')) ++skip;
          value.erase(0, skip);
        }
        if ((done = stop(milter.header(name, value)))) break;
      }
    }
    if (!done) done = stop(milter.eoh(macros));
    if (!done && milter.wants_body()) {
      std::string text;
      for (const auto& l : m.body) text += l + "\r\n";
      done = stop(milter.body(text));
    }
    if (!done) {
      std::vector<MilterEdit> edits;
      MilterReply r = milter.eom(macros, edits);
      apply_milter_edits(edits, message, outcome, hide_own_received, mapper);
      stop(r);
    }
    if (outcome.reply.verdict != MilterVerdict::kContinue) break;
  }
  return outcome;
}

}  // namespace mail
