#include "spawn/spawn_attributes.h"

#include "libutil/privileges.h"
#include "libutil/strings.h"

namespace spawn_agent {

util::Result<SpawnAttributes> parse_spawn_attributes(const std::vector<std::string>& args,
                                                     const ForbiddenIds& forbidden) {
  SpawnAttributes attr;
  bool have_user = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& word = args[i];
    if (util::starts_with_icase(word, "user=")) {
      std::string user = word.substr(5);
      std::string group;
      if (auto colon = user.find(':'); colon != std::string::npos) {
        group = user.substr(colon + 1);
        user.resize(colon);
      }
      auto pw = util::lookup_user(user);
      if (!pw) return std::unexpected(pw.error());
      if (!*pw) return util::fail("unknown user name: " + user);
      attr.uid = (*pw)->uid;
      attr.gid = (*pw)->gid;
      if (!group.empty()) {
        auto gr = util::lookup_group(group);
        if (!gr) return std::unexpected(gr.error());
        if (!*gr) return util::fail("unknown group name: " + group);
        attr.gid = **gr;
      }
      have_user = true;
    } else if (util::starts_with_icase(word, "argv=")) {
      attr.argv.push_back(word.substr(5));
      attr.argv.insert(attr.argv.end(), args.begin() + static_cast<std::ptrdiff_t>(i) + 1,
                       args.end());
      break;
    } else {
      return util::fail("unknown attribute name: " + word);
    }
  }
  if (!have_user) return util::fail("missing user= attribute");
  if (attr.argv.empty() || attr.argv.front().empty()) return util::fail("missing argv= attribute");
  if (attr.uid == 0) return util::fail("request to deliver as root");
  if (attr.uid == forbidden.owner_uid) return util::fail("request to deliver as mail system owner");
  if (attr.gid == 0) return util::fail("request to use privileged group id 0");
  if (attr.gid == forbidden.owner_gid)
    return util::fail("request to use mail system owner group id " +
                      std::to_string(forbidden.owner_gid));
  return attr;
}

}  // namespace spawn_agent
