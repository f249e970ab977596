#include "libmail/sasl_options.h"

#include <sasl/sasl.h>
#include <strings.h>

#include "libconf/config.h"

namespace mail {

util::Result<unsigned> parse_sasl_security_options(std::string_view parameter,
                                                   std::string_view value) {
  struct Option {
    const char* name;
    unsigned flag;
  };
  static constexpr Option kOptions[] = {
      {"noplaintext", SASL_SEC_NOPLAINTEXT},         {"noactive", SASL_SEC_NOACTIVE},
      {"nodictionary", SASL_SEC_NODICTIONARY},       {"noanonymous", SASL_SEC_NOANONYMOUS},
      {"forward_secrecy", SASL_SEC_FORWARD_SECRECY}, {"mutual_auth", SASL_SEC_MUTUAL_AUTH},
  };
  unsigned flags = 0;
  for (const std::string& word : conf::Config::split_list(value)) {
    bool known = false;
    for (const Option& o : kOptions) {
      if (::strcasecmp(word.c_str(), o.name) == 0) {
        flags |= o.flag;
        known = true;
      }
    }
    if (!known) {
      return util::fail("unknown " + std::string(parameter) + " value \"" + word + "\" in \"" +
                        std::string(value) + "\"");
    }
  }
  return flags;
}

util::Result<SaslMechanismFilter> SaslMechanismFilter::create(
    const std::vector<std::string>& items) {
  SaslMechanismFilter filter;
  for (const std::string& item : items) {
    Item it;
    std::string_view text = item;
    if (!text.empty() && text[0] == '!') {
      it.negate = true;
      text.remove_prefix(1);
    }
    if (text.starts_with("static:")) {
      it.any = true;
    } else if (text.find(':') != std::string_view::npos) {
      auto dict = util::dict_open(text);
      if (!dict) return std::unexpected(dict.error());
      it.table = std::shared_ptr<util::Dict>(std::move(*dict));
    } else {
      it.name = std::string(text);
    }
    filter.items_.push_back(std::move(it));
  }
  return filter;
}

bool SaslMechanismFilter::accepts(const std::string& mechanism) const {
  if (items_.empty()) return true;
  for (const Item& it : items_) {
    bool match =
        it.any || (!it.name.empty() && ::strcasecmp(it.name.c_str(), mechanism.c_str()) == 0);
    if (it.table) {
      auto found = it.table->lookup(mechanism);
      match = found && found->has_value();
    }
    if (match) return !it.negate;
  }
  return false;
}

}  // namespace mail
