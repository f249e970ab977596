#include "libmail/tls_params.h"

namespace mail {

util::Result<std::string> tls_cipher_list(const conf::Config& config, std::string_view param,
                                          std::string_view grade,
                                          const std::vector<std::string>& exclude) {
  static constexpr std::string_view kGrades[] = {"export", "low", "medium", "high", "null"};
  bool known = false;
  for (auto g : kGrades) known = known || g == grade;
  if (!known)
    return util::fail("invalid " + std::string(param) + " value: \"" + std::string(grade) + "\"");
  auto list = config.try_get("tls_" + std::string(grade) + "_cipherlist");
  if (!list) return std::unexpected(list.error());
  std::string out = *list;
  for (const auto& name : exclude) out += ":!" + name;
  return out;
}

util::Result<std::string> tls_eecdh_groups(const conf::Config& config, std::string_view param,
                                           std::string_view grade) {
  std::string source;
  if (grade == "none") return std::string();
  if (grade == "auto")
    source = "tls_eecdh_auto_curves";
  else if (grade == "strong")
    source = "tls_eecdh_strong_curve";
  else if (grade == "ultra")
    source = "tls_eecdh_ultra_curve";
  else
    return util::fail("invalid " + std::string(param) + " value: \"" + std::string(grade) + "\"");
  auto names = config.try_get_list(source);
  if (!names) return std::unexpected(names.error());
  std::string out;
  for (const auto& name : *names) out += (out.empty() ? "" : ":") + name;
  return out;
}

}  // namespace mail
