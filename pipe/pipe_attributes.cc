#include "pipe/pipe_attributes.h"

#include <cctype>

#include "libutil/privileges.h"
#include "libutil/strings.h"

namespace pipe_agent {
namespace {

bool take(std::string_view word, std::string_view name, std::string& value) {
  if (!util::starts_with_icase(word, name)) return false;
  value = std::string(word.substr(name.size()));
  return true;
}

void set_flag(PipeFlags& f, char c, std::vector<std::string>* warnings) {
  switch (c) {
    case 'B':
      f.blank_line = true;
      break;
    case 'D':
      f.delivered_to = true;
      break;
    case 'F':
      f.from_line = true;
      break;
    case 'O':
      f.original_to = true;
      break;
    case 'R':
      f.return_path = true;
      break;
    case 'X':
      f.final_delivery = true;
      break;
    case 'h':
      f.fold_host = true;
      break;
    case 'q':
      f.quote = true;
      break;
    case 'u':
      f.fold_user = true;
      break;
    case '.':
      f.dot_stuff = true;
      break;
    case '>':
      f.quote_from = true;
      break;
    default:
      if (warnings) warnings->push_back(std::string("unknown flag: ") + c + " (ignored)");
  }
}

}  // namespace

std::string unescape_c(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\\' || i + 1 == text.size()) {
      out += text[i];
      continue;
    }
    char c = text[++i];
    switch (c) {
      case 'a':
        out += '\a';
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'v':
        out += '\v';
        break;
      default:
        if (c >= '0' && c <= '7') {
          int value = 0;
          size_t n = 0;
          while (n < 3 && i < text.size() && text[i] >= '0' && text[i] <= '7') {
            value = value * 8 + (text[i] - '0');
            ++i;
            ++n;
          }
          --i;
          out += static_cast<char>(value);
        } else {
          out += c;
        }
    }
  }
  return out;
}

util::Result<PipeAttributes> parse_pipe_attributes(const std::vector<std::string>& args,
                                                   const OwnerIds& owner,
                                                   std::vector<std::string>* warnings) {
  PipeAttributes attr;
  bool have_user = false;
  std::string value;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& word = args[i];
    if (take(word, "flags=", value)) {
      for (char c : value) set_flag(attr.flags, c, warnings);
    } else if (take(word, "user=", value)) {
      std::string group;
      if (auto colon = value.find(':'); colon != std::string::npos) {
        group = value.substr(colon + 1);
        value.resize(colon);
      }
      auto pw = util::lookup_user(value);
      if (!pw) return std::unexpected(pw.error());
      if (!*pw) return util::fail("unknown username: " + value);
      attr.uid = (*pw)->uid;
      attr.gid = (*pw)->gid;
      if (!group.empty()) {
        auto gr = util::lookup_group(group);
        if (!gr) return std::unexpected(gr.error());
        if (!*gr) return util::fail("unknown group: " + group);
        attr.gid = **gr;
      }
      have_user = true;
    } else if (take(word, "directory=", value)) {
      attr.directory = value;
    } else if (take(word, "eol=", value)) {
      attr.eol = unescape_c(value);
    } else if (take(word, "null_sender=", value)) {
      attr.null_sender = value;
    } else if (take(word, "size=", value)) {
      char* end = nullptr;
      long n = std::strtol(value.c_str(), &end, 10);
      if (value.empty() || *end != '\0' || n <= 0) return util::fail("bad size= value: " + value);
      attr.size_limit = n;
    } else if (take(word, "argv=", value)) {
      attr.argv.push_back(value);
      attr.argv.insert(attr.argv.end(), args.begin() + static_cast<std::ptrdiff_t>(i) + 1,
                       args.end());
      break;
    } else {
      return util::fail("unknown attribute name: " + word);
    }
  }
  if (!have_user) return util::fail("missing user= command-line attribute");
  if (attr.argv.empty() || attr.argv.front().empty())
    return util::fail("missing argv= command-line attribute");
  if (attr.uid == 0) return util::fail("user= command-line attribute specifies root privileges");
  if (attr.uid == owner.owner_uid)
    return util::fail("user= command-line attribute specifies mail system owner " +
                      owner.owner_name);
  if (attr.gid == 0)
    return util::fail("user= command-line attribute specifies privileged group id 0");
  if (attr.gid == owner.owner_gid)
    return util::fail("user= command-line attribute specifies mail system owner " +
                      owner.owner_name + " group id " + std::to_string(attr.gid));
  if (owner.setgid_gid && attr.gid == *owner.setgid_gid)
    return util::fail("user= command-line attribute specifies mail system " + owner.setgid_group +
                      " group id " + std::to_string(attr.gid));
  return attr;
}

}  // namespace pipe_agent
