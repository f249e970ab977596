#include "libmail/sasl_codec.h"

#include <sasl/sasl.h>
#include <sasl/saslutil.h>

#include <vector>

namespace mail {

std::string sasl_status_text(int status) {
  const char* text = sasl_errstring(status, nullptr, nullptr);
  return text ? text : "unknown SASL error";
}

util::Result<std::string> sasl_encode64(std::string_view data) {
  std::vector<char> out((data.size() + 2) / 3 * 4 + 1);
  unsigned len = 0;
  int status = ::sasl_encode64(data.data(), static_cast<unsigned>(data.size()), out.data(),
                               static_cast<unsigned>(out.size()), &len);
  if (status != SASL_OK) return util::fail("base64 encode: " + sasl_status_text(status));
  return std::string(out.data(), len);
}

std::expected<std::string, int> sasl_decode64(std::string_view text, std::size_t max) {
  if (text.size() / 4 * 3 > max + 3) return std::unexpected(SASL_BUFOVER);
  std::vector<char> out(text.size() / 4 * 3 + 4);
  unsigned len = 0;
  int status = ::sasl_decode64(text.data(), static_cast<unsigned>(text.size()), out.data(),
                               static_cast<unsigned>(out.size()), &len);
  if (status != SASL_OK) return std::unexpected(status);
  return std::string(out.data(), len);
}

}  // namespace mail
