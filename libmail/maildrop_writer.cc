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
  if (!e.encoding.empty()) append_record(out, rec::kAttr, "encoding=" + e.encoding);
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
  // comments vanish, "phrase <addr>" keeps addr, "group: a, b;" keeps a and
  // b. Like Postfix it tolerates missing commas: outside <>, words that
  // whitespace or a comment separates are separate addresses ("a@b c@d").
  std::vector<std::string> out;
  std::vector<std::string> words;  // finished words of the current element
  std::string cur, angle;
  bool has_angle = false, in_angle = false, gap = false;
  auto finish = [&] {
    if (has_angle) {
      if (!angle.empty()) out.push_back(angle);
    } else {
      for (auto& w : words) out.push_back(std::move(w));
      if (!cur.empty()) out.push_back(cur);
    }
    words.clear();
    cur.clear();
    angle.clear();
    has_angle = in_angle = gap = false;
  };
  // Before text is added outside <>: a gap between two words starts a new one.
  auto word_break = [&](char next) {
    if (gap && !cur.empty() && cur.back() != '@' && cur.back() != '.' && next != '@' &&
        next != '.') {
      words.push_back(std::move(cur));
      cur.clear();
    }
    gap = false;
  };
  std::size_t i = 0;
  while (i < v.size()) {
    char c = v[i];
    if (c == '"') {
      std::string q;
      for (++i; i < v.size() && v[i] != '"'; ++i) {
        if (v[i] == '\\' && i + 1 < v.size()) ++i;
        q += v[i];
      }
      ++i;
      if (in_angle) {
        angle += q;
      } else if (!has_angle) {
        word_break('"');
        cur += q;
      }
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
      gap = true;
      continue;
    }
    ++i;
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      gap = true;
      continue;
    }
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
      words.clear();  // a group name
      cur.clear();
      gap = false;
    } else if (!has_angle) {
      word_break(c);
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

void MaildropWriter::end_line(std::string& out, bool complete) {
  bool line_start = !continuing_;
  // Every leading "From " or ">From " line is an mbox separator, not
  // content (Postfix's sendmail drops them all; one longer than the line
  // limit is kept whole, as there).
  bool first = first_line_;
  first_line_ = false;
  continuing_ = !complete;
  if (first && complete && line_start &&
      (line_.starts_with("From ") || line_.starts_with(">From "))) {
    first_line_ = true;
    line_.clear();
    return;
  }
  if (complete && line_start && opt_.dot_ends && line_ == ".") {
    ended_ = true;
    line_.clear();
    return;
  }
  if (opt_.extract_recipients && in_headers_) {
    if (line_start && is_header_start(line_)) {
      // Postfix's sendmail -t rewrites "Name :" as "Name:" (any header).
      std::size_t name_end = 0;
      while (line_[name_end] > ' ' && line_[name_end] != ':') ++name_end;
      std::size_t colon = line_.find(':', name_end);
      line_.erase(name_end, colon - name_end);
    }
    header_piece(line_, line_start);
    // With -t, Postfix's sendmail separates headers that end at a non-header
    // line from it with an empty line.
    if (!in_headers_ && !line_.empty()) append_record(out, rec::kNorm, "");
  }
  append_record(out, complete ? rec::kNorm : rec::kCont, line_);
  line_.clear();
}


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
