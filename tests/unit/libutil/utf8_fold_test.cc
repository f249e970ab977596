// util::utf8_fold, valid_utf8, printable and the UTF-8 mode of the dict layer
// (dict_utf8.cc). Expected strings are what Postfix 3.7.11 stored in tables
// it built from the same keys (postmap -s on its .db files).
#include "libutil/utf8_fold.h"

#include <catch.hpp>

#include "libutil/dict.h"
#include "tests/support/log_capture.h"
#include "tests/support/temp_dir.h"

TEST_CASE("utf8_fold lower-cases ASCII and leaves digits and punctuation alone", "[tables]") {
  REQUIRE(util::utf8_fold("MiXeD@Example.COM") == "mixed@example.com");
  REQUIRE(util::utf8_fold("[smtp.x]:587") == "[smtp.x]:587");
  REQUIRE(util::utf8_fold("") == "");
}

TEST_CASE("utf8_fold folds the Latin-1 range and expands sharp s", "[tables]") {
  REQUIRE(util::utf8_fold("ÉCOLE") == "école");
  REQUIRE(util::utf8_fold("ÀÖØÞ") == "àöøþ");
  REQUIRE(util::utf8_fold("Straße") == "strasse");
  REQUIRE(util::utf8_fold("STRASSE") == "strasse");
  REQUIRE(util::utf8_fold("ﬁ") == "fi");  // a ligature folds to two letters
}

TEST_CASE("utf8_fold maps every Greek sigma to the medial form", "[tables]") {
  REQUIRE(util::utf8_fold("ΣΊΣΥΦΟΣ") == "σίσυφοσ");
  REQUIRE(util::utf8_fold("σίσυφος") == "σίσυφοσ");
}

TEST_CASE("utf8_fold uses the default, not the Turkish, mapping of I", "[tables]") {
  REQUIRE(util::utf8_fold("İstanbul") == "i\xCC\x87stanbul");  // i + combining dot above
  REQUIRE(util::utf8_fold("ISTANBUL") == "istanbul");
  REQUIRE(util::utf8_fold("ı") == "ı");  // dotless i has no fold
}

TEST_CASE("utf8_fold of its own result changes nothing", "[tables]") {
  for (const char* s : {"Straße", "ΣΊΣΥΦΟΣ", "İstanbul", "ÉCOLE", "ǅ"})
    REQUIRE(util::utf8_fold(util::utf8_fold(s)) == util::utf8_fold(s));
}

TEST_CASE("utf8_fold folds only the ASCII of a string that is not UTF-8", "[tables]") {
  REQUIRE(util::utf8_fold("BAD\xFF\xC9") == "bad\xFF\xC9");
  REQUIRE(util::fold_key("ÉCOLE", false) ==
          "\xC3\x89"
          "cole");  // -u: ASCII only
  REQUIRE(util::fold_key("ÉCOLE", true) == "école");
}

TEST_CASE("valid_utf8 rejects malformed sequences, overlong forms, surrogates and big code points",
          "[tables]") {
  REQUIRE(util::valid_utf8("plain ascii"));
  REQUIRE(util::valid_utf8("école σ 𝄞"));
  REQUIRE_FALSE(util::valid_utf8("\xFF"));
  REQUIRE_FALSE(util::valid_utf8("\xC3"));              // truncated
  REQUIRE_FALSE(util::valid_utf8("\x80"));              // lone continuation byte
  REQUIRE_FALSE(util::valid_utf8("\xC0\xAF"));          // overlong '/'
  REQUIRE_FALSE(util::valid_utf8("\xE0\x80\xAF"));      // overlong, 3 bytes
  REQUIRE_FALSE(util::valid_utf8("\xED\xA0\x80"));      // U+D800, a surrogate
  REQUIRE_FALSE(util::valid_utf8("\xF4\x90\x80\x80"));  // above U+10FFFF
}

TEST_CASE("printable keeps UTF-8 and printable ASCII and shows other bytes as ?", "[tables]") {
  // Postfix's warning for the source line "é\xff\tx\x01y z" shows "é??x?y z".
  REQUIRE(util::printable("\xC3\xA9\xFF\tx\x01y z") == "\xC3\xA9??x?y z");
  REQUIRE(util::printable("\xC3\xA9", false) == "??");
}

TEST_CASE("a table in UTF-8 mode finds Unicode keys whatever their case", "[tables]") {
  util::DictOpenOptions utf8;
  utf8.utf8 = true;
  auto d = util::dict_open("inline:{Straße=x, ÉCOLE=y}", utf8);
  REQUIRE(d);
  REQUIRE((*d)->lookup("STRASSE").value() == "x");
  REQUIRE((*d)->lookup("école").value() == "y");
  // Without UTF-8 mode only ASCII is folded.
  auto bytes = util::dict_open("inline:{Straße=x, ÉCOLE=y}");
  REQUIRE(bytes);
  REQUIRE((*bytes)->lookup("STRASSE").value() == std::nullopt);
  REQUIRE((*bytes)->lookup("École").value() == "y");
  REQUIRE((*bytes)->lookup("école").value() == std::nullopt);
}

TEST_CASE("a table in UTF-8 mode warns about a non-UTF-8 key and does not find it", "[tables]") {
  util::DictOpenOptions utf8;
  utf8.utf8 = true;
  auto d = util::dict_open("static:x", utf8);
  REQUIRE(d);
  test::LogCapture log;
  REQUIRE((*d)->lookup("bad\xFF").value() == std::nullopt);
  REQUIRE(log.contains(
      "warning: static:x: non-UTF-8 key \"bad?\": malformed UTF-8 or invalid codepoint"));
}

TEST_CASE("a hash table in UTF-8 mode names its .db file and fails on a non-UTF-8 value",
          "[tables]") {
  test::TempDir dir;
  const std::string base = dir.file("t");
  {
    util::DictOpenOptions create;
    create.create = true;
    create.writable = true;
    auto d = util::dict_open("hash:" + base, create);
    REQUIRE(d);
    REQUIRE((*d)->update("k", "v\xFF"));
    REQUIRE((*d)->update("strasse", "ok"));
    REQUIRE((*d)->commit());
  }
  util::DictOpenOptions utf8;
  utf8.utf8 = true;
  auto d = util::dict_open("hash:" + base, utf8);
  REQUIRE(d);
  test::LogCapture log;
  REQUIRE((*d)->lookup("Straße").value() == "ok");
  auto bad = (*d)->lookup("k");
  REQUIRE_FALSE(bad);
  REQUIRE(bad.error().message == "table hash:" + base + ".db: query error");
  REQUIRE(log.contains("warning: hash:" + base +
                       ".db: key \"k\": non-UTF-8 value \"v?\": malformed UTF-8 or invalid "
                       "codepoint"));
  REQUIRE((*d)->lookup("x\xFF").value() == std::nullopt);
  REQUIRE(log.contains("warning: hash:" + base + ".db: non-UTF-8 key \"x?\""));
}

TEST_CASE("a pattern table in UTF-8 mode sees the key unfolded", "[tables]") {
  test::TempDir dir;
  const std::string re = dir.write("re", "/^école$/ lower\n");
  util::DictOpenOptions utf8;
  utf8.utf8 = true;
  auto d = util::dict_open("regexp:" + re, utf8);
  REQUIRE(d);
  REQUIRE((*d)->lookup("école").value() == "lower");
  REQUIRE((*d)->lookup("ÉCOLE").value() == std::nullopt);
}
