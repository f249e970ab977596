#include "libmail/header_addresses.h"

#include <array>
#include <utility>
#include <vector>

#include "libutil/strings.h"

namespace mail {

AddressHeaderKind address_header_kind(std::string_view name) {
  static constexpr std::array<std::string_view, 8> kSender{
      "from",        "sender",        "reply-to",   "resent-from",
      "resent-sender", "resent-reply-to", "errors-to", "return-receipt-to"};
  static constexpr std::array<std::string_view, 7> kRecipient{
      "to", "cc", "bcc", "resent-to", "resent-cc", "resent-bcc", "apparently-to"};
  for (auto n : kSender)
    if (util::iequals(name, n)) return AddressHeaderKind::kSender;
  for (auto n : kRecipient)
    if (util::iequals(name, n)) return AddressHeaderKind::kRecipient;
  return AddressHeaderKind::kNone;
}

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Index just past the quoted string / comment / angle that starts at i.
std::size_t skip_quoted(std::string_view s, std::size_t i) {
  for (++i; i < s.size(); ++i) {
    if (s[i] == '\\') {
      ++i;
    } else if (s[i] == '"') {
      return i + 1;
    }
  }
  return s.size();
}

std::size_t skip_comment(std::string_view s, std::size_t i) {
  int depth = 0;
  for (; i < s.size(); ++i) {
    if (s[i] == '\\') {
      ++i;
    } else if (s[i] == '(') {
      ++depth;
    } else if (s[i] == ')' && --depth == 0) {
      return i + 1;
    }
  }
  return s.size();
}

// The address span of one list item [begin, end): the inside of <...> when
// there is one, else everything from the first to the last character that
// is neither space nor part of a comment.
std::pair<std::size_t, std::size_t> item_address(std::string_view s, std::size_t begin,
                                                 std::size_t end) {
  std::size_t first = std::string_view::npos, last = 0;
  for (std::size_t i = begin; i < end;) {
    char c = s[i];
    if (c == '<') {
      std::size_t close = s.find('>', i + 1);
      if (close == std::string_view::npos || close > end) close = end;
      std::size_t a = i + 1, b = close;
      while (a < b && is_space(s[a])) ++a;
      while (b > a && is_space(s[b - 1])) --b;
      return {a, b};
    }
    if (c == '(') {
      i = skip_comment(s, i);
      continue;
    }
    if (is_space(c)) {
      ++i;
      continue;
    }
    std::size_t next = c == '"' ? skip_quoted(s, i) : i + 1;
    if (first == std::string_view::npos) first = i;
    last = std::min(next, end);
    i = next;
  }
  if (first == std::string_view::npos) return {end, end};
  return {first, last};
}

}  // namespace

std::string rewrite_header_addresses(std::string_view s,
                                     const std::function<std::string(std::string_view)>& rewrite) {
  std::vector<std::pair<std::size_t, std::size_t>> spans;
  std::size_t item = 0;
  auto close_item = [&](std::size_t end) {
    auto span = item_address(s, item, end);
    if (span.first < span.second) spans.push_back(span);
  };
  for (std::size_t i = 0; i < s.size();) {
    char c = s[i];
    if (c == '"') {
      i = skip_quoted(s, i);
    } else if (c == '(') {
      i = skip_comment(s, i);
    } else if (c == '<') {
      std::size_t close = s.find('>', i);
      i = close == std::string_view::npos ? s.size() : close + 1;
    } else if (c == ',' || c == ';') {
      close_item(i);
      item = ++i;
    } else if (c == ':') {
      // "group-name:" is not an address.
      item = ++i;
    } else {
      ++i;
    }
  }
  close_item(s.size());

  std::string out;
  std::size_t pos = 0;
  for (auto [a, b] : spans) {
    out.append(s.substr(pos, a - pos));
    std::string_view addr = s.substr(a, b - a);
    // An address folded over lines is not ours to rewrite.
    if (addr.find('\n') != std::string_view::npos) {
      out.append(addr);
    } else {
      out += rewrite(addr);
    }
    pos = b;
  }
  out.append(s.substr(pos));
  return out;
}

std::vector<std::string> fold_address_header(std::string_view name, std::string_view value) {
  // Split at top-level commas; collapse white space outside quotes.
  std::vector<std::string> items;
  std::string cur;
  bool space = false;
  auto flush_item = [&] {
    while (!cur.empty() && cur.back() == ' ') cur.pop_back();
    if (!cur.empty()) items.push_back(cur);
    cur.clear();
    space = false;
  };
  for (std::size_t i = 0; i < value.size();) {
    char c = value[i];
    std::size_t next = i + 1;
    if (c == '"') {
      next = skip_quoted(value, i);
    } else if (c == '(') {
      next = skip_comment(value, i);
    } else if (c == '<') {
      std::size_t close = value.find('>', i);
      next = close == std::string_view::npos ? value.size() : close + 1;
    } else if (c == ',') {
      flush_item();
      i = next;
      continue;
    } else if (is_space(c)) {
      space = true;
      i = next;
      continue;
    }
    if (space && !cur.empty()) cur += ' ';
    space = false;
    cur.append(value.substr(i, next - i));
    i = next;
  }
  flush_item();

  std::vector<std::string> lines;
  std::string line = std::string(name) + ":";
  std::size_t measured = line.size();  // the TAB of a continuation is not counted
  for (std::size_t k = 0; k < items.size(); ++k) {
    std::string seg = items[k] + (k + 1 < items.size() ? "," : "");
    if (k == 0 || measured + 1 + seg.size() < 70) {
      line += " " + seg;
      measured += 1 + seg.size();
    } else {
      lines.push_back(line);
      line = "\t" + seg;
      measured = seg.size();
    }
  }
  lines.push_back(line);
  return lines;
}

}  // namespace mail
