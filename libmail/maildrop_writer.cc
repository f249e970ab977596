// See maildrop_writer.h.
#include "libmail/maildrop_writer.h"

#include <strings.h>

#include "libmail/record.h"

namespace mail {

std::string envelope_records(const SubmitEnvelope& e) {
  std::string out;
  if (!e.envelope_id.empty()) append_record(out, rec::kAttr, "envelope_id=" + e.envelope_id);
  if (e.ret_flags != 0) append_record(out, rec::kAttr, "ret_flags=" + std::to_string(e.ret_flags));
  append_record(out, rec::kAttr, "rewrite_context=local");
  append_record(out, rec::kFullName, e.full_name);
  append_record(out, rec::kFrom, e.sender);
  if (e.verp) append_record(out, rec::kVerp, *e.verp);
  for (const auto& r : e.recipients) {
    if (e.notify_flags != 0)
      append_record(out, rec::kAttr, "notify_flags=" + std::to_string(e.notify_flags));
    append_record(out, rec::kRcpt, r);
  }
  append_record(out, rec::kMessage, "");
  return out;
}

std::vector<std::string> parse_address_list(std::string_view v) {
  // A small RFC 822 scanner: quoted strings keep their content (unquoted),
  // comments vanish, whitespace outside quotes vanishes, "phrase <addr>"
  // keeps addr, "group: a, b;" keeps a and b.
  std::vector<std::string> out;
  std::string cur, angle;
  bool has_angle = false, in_angle = false;
  auto finish = [&] {
    const std::string& a = has_angle ? angle : cur;
    if (!a.empty()) out.push_back(a);
    cur.clear();
    angle.clear();
    has_angle = in_angle = false;
  };
  std::size_t i = 0;
  while (i < v.size()) {
    char c = v[i];
    std::string& dst = in_angle ? angle : cur;
    if (c == '"') {
      for (++i; i < v.size() && v[i] != '"'; ++i) {
        if (v[i] == '\\' && i + 1 < v.size()) ++i;
        dst += v[i];
      }
      ++i;
      continue;
    }
    if (c == '(') {
      int depth = 0;
      for (; i < v.size(); ++i) {
        if (v[i] == '\\') {
          ++i;
        } else if (v[i] == '(') {
          ++depth;
        } else if (v[i] == ')' && --depth == 0) {
          break;
        }
      }
      ++i;
      continue;
    }
    ++i;
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') continue;
    if (in_angle) {
      if (c == '>') {
        in_angle = false;
      } else {
        angle += c;
      }
      continue;
    }
    if (c == '<') {
      in_angle = has_angle = true;
      angle.clear();
    } else if (c == ',' || c == ';') {
      finish();
    } else if (c == ':' && !has_angle && cur.find('@') == std::string::npos &&
               !(cur.empty() || cur[0] == '@')) {
      cur.clear();  // a group name
    } else if (!has_angle) {
      cur += c;
    }
  }
  finish();
  return out;
}

MaildropWriter::MaildropWriter(MessageOptions options) : opt_(options) {
  if (opt_.line_limit == 0) opt_.line_limit = kLineLengthLimit;
}

void MaildropWriter::feed(std::string_view data, std::string& out) {
  for (char c : data) {
    if (ended_) return;
    if (c == '\n') {
      if (!line_.empty() && line_.back() == '\r') line_.pop_back();
      end_line(out, true);
    } else {
      line_ += c;
      if (line_.size() >= opt_.line_limit) end_line(out, false);
    }
  }
}

void MaildropWriter::end_line(std::string& out, bool complete) {
  bool line_start = !continuing_;
  bool first = first_line_;
  first_line_ = false;
  continuing_ = !complete;
  if (first && line_.starts_with("From ")) {
    // The mbox separator line is not message content; its pieces go too.
    skipping_from_ = !complete;
    line_.clear();
    return;
  }
  if (skipping_from_) {
    skipping_from_ = !complete;
    line_.clear();
    return;
  }
  if (complete && line_start && opt_.dot_ends && line_ == ".") {
    ended_ = true;
    line_.clear();
    return;
  }
  if (opt_.extract_recipients && in_headers_) header_piece(line_, line_start);
  append_record(out, complete ? rec::kNorm : rec::kCont, line_);
  line_.clear();
}

namespace {
// "Name:" or "Name :" with Name printable ASCII without ':' (RFC 822 field).
bool is_header_start(std::string_view line) {
  std::size_t i = 0;
  while (i < line.size() && line[i] > ' ' && line[i] < 127 && line[i] != ':') ++i;
  if (i == 0) return false;
  while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
  return i < line.size() && line[i] == ':';
}
}  // namespace

void MaildropWriter::header_piece(std::string_view piece, bool line_start) {
  if (!line_start) {
    if (header_open_ && header_.size() < opt_.header_limit) header_ += piece;
    return;
  }
  if (!piece.empty() && (piece[0] == ' ' || piece[0] == '\t') && header_open_) {
    if (header_.size() < opt_.header_limit) header_ += piece;
    return;
  }
  close_header();
  if (is_header_start(piece)) {
    header_ = piece;
    header_open_ = true;
  } else {
    end_headers();
  }
}

void MaildropWriter::close_header() {
  if (!header_open_) return;
  header_open_ = false;
  std::size_t colon = header_.find(':');
  std::string name = header_.substr(0, colon);
  while (!name.empty() && (name.back() == ' ' || name.back() == '\t')) name.pop_back();
  std::string_view value = std::string_view(header_).substr(colon + 1);
  auto is = [&](const char* n) { return strcasecmp(name.c_str(), n) == 0; };
  if (is("to") || is("cc") || is("bcc")) {
    for (auto& a : parse_address_list(value)) plain_rcpts_.push_back(std::move(a));
  } else if (is("resent-to") || is("resent-cc") || is("resent-bcc")) {
    saw_resent_ = true;
    for (auto& a : parse_address_list(value)) resent_rcpts_.push_back(std::move(a));
  }
  header_.clear();
}

void MaildropWriter::end_headers() {
  close_header();
  in_headers_ = false;
}

const std::vector<std::string>& MaildropWriter::extracted() const {
  extracted_ = saw_resent_ ? resent_rcpts_ : plain_rcpts_;
  return extracted_;
}

void MaildropWriter::finish(std::string& out) {
  if (!ended_ && !line_.empty()) {
    // A last line without LF. Postfix's sendmail stores it as a continued
    // piece; with -t a header line is completed as N, and a body line gets
    // an empty N after the piece (both observed with Postfix 3.7.11).
    if (opt_.extract_recipients && in_headers_ && !continuing_) {
      end_line(out, true);
    } else {
      append_record(out, rec::kCont, line_);
      if (opt_.extract_recipients) append_record(out, rec::kNorm, "");
      line_.clear();
    }
  }
  if (opt_.extract_recipients) end_headers();
  append_record(out, rec::kExtract, "");
  if (opt_.extract_recipients) {
    for (const auto& r : extracted()) {
      if (opt_.notify_flags != 0)
        append_record(out, rec::kAttr, "notify_flags=" + std::to_string(opt_.notify_flags));
      append_record(out, rec::kRcpt, r);
    }
  }
  append_record(out, rec::kEnd, "");
}

}  // namespace mail
