// See utf8_fold.h. ICU does the folding: Postfix 3.7 uses the same library
// with the same option (U_FOLD_CASE_DEFAULT), which is what makes our keys
// byte-identical to the ones in tables Postfix built.
#include "libutil/utf8_fold.h"

#include <unicode/ucasemap.h>
#include <unicode/utypes.h>

#include <memory>

namespace util {
namespace {

bool all_ascii(std::string_view s) {
  for (char c : s)
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  return true;
}

std::string ascii_fold(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

// Length of the well-formed sequence starting at s[i], 0 if there is none.
size_t sequence_length(std::string_view s, size_t i) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = b(i);
  if (c < 0x80) return 1;
  size_t len;
  char32_t cp;
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2, cp = c & 0x1F;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3, cp = c & 0x0F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4, cp = c & 0x07;
  } else {
    return 0;  // a continuation byte, C0/C1 (always overlong) or F5..FF
  }
  if (i + len > s.size()) return 0;
  for (size_t k = 1; k < len; ++k) {
    if ((b(i + k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b(i + k) & 0x3F);
  }
  if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000)) return 0;  // overlong
  if (cp >= 0xD800 && cp <= 0xDFFF) return 0;                            // surrogate
  if (cp > 0x10FFFF) return 0;
  return len;
}

struct CaseMapCloser {
  void operator()(UCaseMap* m) const { ucasemap_close(m); }
};

}  // namespace

bool valid_utf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    size_t n = sequence_length(s, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

std::string utf8_fold(std::string_view s) {
  if (all_ascii(s) || !valid_utf8(s)) return ascii_fold(s);
  UErrorCode err = U_ZERO_ERROR;
  // A case map per call keeps the function free of shared state; it is
  // only reached for non-ASCII keys, which are rare in mail tables.
  std::unique_ptr<UCaseMap, CaseMapCloser> map(ucasemap_open(nullptr, U_FOLD_CASE_DEFAULT, &err));
  if (U_FAILURE(err)) return ascii_fold(s);
  // Folding can grow a string (ß -> ss, ΐ -> three code points): one retry
  // with the size ICU asks for.
  std::string out(s.size() * 3 + 16, '\0');
  for (int attempt = 0; attempt < 2; ++attempt) {
    err = U_ZERO_ERROR;
    int32_t n = ucasemap_utf8FoldCase(map.get(), out.data(), static_cast<int32_t>(out.size()),
                                      s.data(), static_cast<int32_t>(s.size()), &err);
    if (err == U_BUFFER_OVERFLOW_ERROR) {
      out.resize(static_cast<size_t>(n) + 1);
      continue;
    }
    if (U_FAILURE(err)) return ascii_fold(s);
    out.resize(static_cast<size_t>(n));
    return out;
  }
  return ascii_fold(s);
}

std::string fold_key(std::string_view s, bool utf8) { return utf8 ? utf8_fold(s) : ascii_fold(s); }

std::string printable(std::string_view s, bool utf8) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7F) {
      out += static_cast<char>(c);
      ++i;
      continue;
    }
    size_t n = utf8 && c >= 0x80 ? sequence_length(s, i) : 0;
    if (n == 0) {
      out += '?';
      ++i;
      continue;
    }
    out.append(s.substr(i, n));
    i += n;
  }
  return out;
}

}  // namespace util
