// The SASL settings smtpd (server) and smtp (client) read alike:
// *_sasl_security_options / *_sasl_tls_security_options words as libsasl2
// SASL_SEC_* flags, and *_sasl_mechanism_filter. Users: smtpd/sasl_server,
// smtp/sasl_client.
// Easy to get wrong: the filter's first matching element wins, "!name"
// turns a match into an exclusion, "static:..." matches everything, a
// type:table element matches what the table finds; with elements present
// and none matching, the mechanism is excluded (an empty filter passes all).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "libutil/dict.h"
#include "libutil/error.h"

namespace mail {

// "noanonymous, noplaintext" -> SASL_SEC_* flags; the error names
// `parameter` and the unknown word.
util::Result<unsigned> parse_sasl_security_options(std::string_view parameter,
                                                   std::string_view value);

class SaslMechanismFilter {
 public:
  // The list elements of the parameter; tables are opened here (before
  // chroot).
  static util::Result<SaslMechanismFilter> create(const std::vector<std::string>& items);
  bool empty() const { return items_.empty(); }
  bool accepts(const std::string& mechanism) const;

 private:
  struct Item {
    bool negate = false;
    bool any = false;
    std::string name;
    std::shared_ptr<util::Dict> table;
  };
  std::vector<Item> items_;
};

}  // namespace mail
