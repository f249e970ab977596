// tcp:host:port, Postfix's tcp_table(5) client: "get KEY\n" with the key
// %XX-encoded, one reply line "200 value" (found, %XX-decoded), "500 text"
// (not found) or "400 text" (try again later). Read-only; the key is sent
// as given (no case folding), and the server sees only whole keys (a
// "pattern" table: no partial access-map keys).
// Easy to get wrong: a broken connection is retried (10 times, a second
// apart, as Postfix), but a reply that is merely wrong is not: it is a
// lookup error at once, and the connection is dropped so the next request
// does not read the rest of a confused reply.
#include <cctype>
#include <cerrno>
#include <expected>
#include <memory>
#include <thread>

#include "libutil/dict_client.h"
#include "libutil/dict_types.h"
#include "libutil/log.h"

namespace util {
namespace {

// Replies may be 4096 bytes including the newline (tcp_table(5)).
constexpr size_t kMaxReplyLine = 4095;

bool needs_encoding(unsigned char c) { return c == '%' || c <= ' ' || c >= 0x7f; }

std::string encode(std::string_view in) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(in.size());
  for (unsigned char c : in) {
    if (needs_encoding(c)) {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<std::string> decode(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out += in[i];
      continue;
    }
    if (i + 2 >= in.size()) return std::nullopt;
    int hi = hex_value(in[i + 1]);
    int lo = hex_value(in[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

class TcpDict : public Dict {
 public:
  TcpDict(std::string name, DictEndpoint endpoint, const DictClientLimits& limits)
      : Dict("tcp", std::move(name)),
        conn_(std::move(endpoint), limits.timeout),
        limits_(limits) {}

  bool is_pattern() const override { return true; }

  Result<std::optional<std::string>> lookup(std::string_view key) override {
    std::string request = "get " + encode(key) + "\n";
    std::string where = name();  // "host:port" as written in the table name
    for (int attempt = 1; attempt <= limits_.max_try; ++attempt) {
      if (attempt > 1) std::this_thread::sleep_for(limits_.retry_pause);
      auto stream = conn_.stream("TCP map " + where);
      if (!stream) {
        msg_warn(stream.error().message);
        continue;
      }
      auto line = exchange(**stream, request);
      if (!line) {
        conn_.close();
        msg_warn("read TCP map reply from " + where + ": " + line.error());
        continue;
      }
      return parse_reply(key, *line);
    }
    return op_error("query", conn_.last_reason());
  }

 private:
  // The reply line, or why the connection broke (and may be retried).
  std::expected<std::string, std::string> exchange(Stream& stream, const std::string& request) {
    auto w = stream.write(request);
    if (w) w = stream.flush();
    if (!w) {
      conn_.note_error(w.error());
      return std::unexpected("unexpected EOF (" + conn_.last_reason() + ")");
    }
    auto line = stream.read_line(kMaxReplyLine);
    if (!line) {
      conn_.note_error(line.error());
      return std::unexpected("unexpected EOF (" + conn_.last_reason() + ")");
    }
    // Postfix words a partial last line like an over-long one.
    if (line->end != LineEnd::kNewline) {
      return std::unexpected("text longer than " + std::to_string(kMaxReplyLine + 1));
    }
    return std::move(line->text);
  }

  Result<std::optional<std::string>> parse_reply(std::string_view key, const std::string& line) {
    std::string where = name();
    bool well_formed = line.size() >= 4 && std::isdigit(static_cast<unsigned char>(line[0])) &&
                       std::isdigit(static_cast<unsigned char>(line[1])) &&
                       std::isdigit(static_cast<unsigned char>(line[2])) && line[3] == ' ';
    if (!well_formed) return malformed(line);
    std::string_view code(line.data(), 3);
    std::string_view text = std::string_view(line).substr(4);
    if (code == "500") return std::nullopt;
    if (code == "400") return op_error("query", conn_.last_reason());
    if (code != "200") {
      conn_.close();
      msg_warn("read TCP map reply from " + where + ": bad status code: " + line);
      return op_error("query", conn_.last_reason());
    }
    auto value = decode(text);
    if (!value) return malformed(line);
    if (value->empty()) warn_empty_result(key);
    return value;
  }

  std::unexpected<Error> malformed(const std::string& line) {
    conn_.close();
    msg_warn("read TCP map reply from " + name() + ": malformed reply: " + line);
    return op_error("query", conn_.last_reason());
  }

  DictConnection conn_;
  DictClientLimits limits_;
};

}  // namespace

Result<std::unique_ptr<Dict>> open_tcp_dict_with(std::string_view name, const DictOpenOptions&,
                                                 const DictClientLimits& limits) {
  auto endpoint = parse_dict_host_port(name);
  if (!endpoint) return std::unexpected(endpoint.error());
  return std::make_unique<TcpDict>(std::string(name), std::move(*endpoint), limits);
}

Result<std::unique_ptr<Dict>> open_tcp_dict(std::string_view name,
                                            const DictOpenOptions& options) {
  return open_tcp_dict_with(name, options, tcp_dict_limits());
}

}  // namespace util
