// The aliases(5) source parser. Expected values were observed on Postfix
// 3.7.11 (`postalias` then `postalias -s`).
#include "libmail/alias_source.h"

#include "tests/support/log_capture.h"

#include <catch.hpp>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

namespace {

std::string value_of(const char* line) {
  mail::AliasLine parsed = mail::parse_alias_line(line);
  REQUIRE(parsed.status == mail::AliasLineStatus::kOk);
  return parsed.value;
}

std::string name_of(const char* line) {
  mail::AliasLine parsed = mail::parse_alias_line(line);
  REQUIRE(parsed.status == mail::AliasLineStatus::kOk);
  return parsed.name;
}

struct FileDeleter {
  void operator()(std::FILE* f) const { std::fclose(f); }
};

std::vector<mail::AliasEntry> read_all(const std::string& text) {
  std::unique_ptr<std::FILE, FileDeleter> f(
      fmemopen(const_cast<char*>(text.data()), text.size(), "r"));
  REQUIRE(f);
  std::vector<mail::AliasEntry> entries;
  auto r = mail::read_alias_source(f.get(), "aliases",
                                   [&](const mail::AliasEntry& e) { entries.push_back(e); });
  REQUIRE(r);
  return entries;
}

}  // namespace

TEST_CASE("postalias collapses whitespace in values and puts a space after commas", "[tables]") {
  CHECK(value_of("x:   spaced   value   ") == "spaced value");
  CHECK(value_of("k1: a,b,c") == "a, b, c");
  CHECK(value_of("k2: a , b ,c") == "a, b, c");
  CHECK(value_of("k17: \ttabbed\tvalue") == "tabbed value");
  CHECK(value_of("k18: a,,b") == "a, , b");
  CHECK(value_of("k19: a ,") == "a, ");
  CHECK(value_of("root: Cmpuser, Other@Example.COM") == "Cmpuser, Other@Example.COM");
}

TEST_CASE("postalias keeps quoted strings, commands, files and includes intact", "[tables]") {
  CHECK(value_of("k3: \"|/usr/bin/prog arg\"") == "\"|/usr/bin/prog arg\"");
  CHECK(value_of("k4: |/usr/bin/prog arg") == "|/usr/bin/prog arg");
  CHECK(value_of("k5: /var/mail/x") == "/var/mail/x");
  CHECK(value_of("k6: :include:/etc/list") == ":include:/etc/list");
  CHECK(value_of("k10: \"quoted   spaces\"@x") == "\"quoted   spaces\"@x");
  CHECK(value_of("k31: root@localhost, |\"/usr/bin/x y\"") == "root@localhost, |\"/usr/bin/x y\"");
}

TEST_CASE("postalias spaces address tokens the way Postfix writes them back", "[tables]") {
  CHECK(value_of("k7: Name <a@b.c>") == "Name <a@b.c>");
  CHECK(value_of("k8: a@b.c (Comment here)") == "a@b.c (Comment here)");
  CHECK(value_of("k9: a . b @ c . d") == "a.b@c.d");
  CHECK(value_of("k13: a<b>c") == "a <b>c");
  CHECK(value_of("k15: a[b c]d") == "a [b c] d");
  CHECK(value_of("k16: a\"b\"c") == "a \"b\" c");
  CHECK(value_of("v1: a@<b>") == "a@ <b>");
  CHECK(value_of("v2: <a><b>") == "<a> <b>");
  CHECK(value_of("v5: a,<b>") == "a, <b>");
  CHECK(value_of("v7: <<x>") == "< <x>");
  CHECK(value_of("v18: a@(c)b") == "a@(c) b");
  CHECK(value_of("v24: (a (nested) b)") == "(a (nested) b)");
  CHECK(value_of("k30: group: a, b;") == "group:a, b;");
  CHECK(value_of("k28: a = b") == "a = b");
}

TEST_CASE("postalias quotes atoms that hold specials and closes open quotes", "[tables]") {
  CHECK(value_of("k12: a\\,b") == "\"a,b\"");
  CHECK(value_of("v21: a\\\"b") == "\"a\\\"b\"");
  CHECK(value_of("v22: a\\ b") == "\"a b\"");
  CHECK(value_of("v19: \"a\\\"b\" c") == "\"a\\\"b\" c");
  CHECK(value_of("v32: a\\\\") == "\"a\\\\\"");
  CHECK(value_of("v31: a\\") == "a");
  CHECK(value_of("k24: \"unclosed") == "\"unclosed\"");
  CHECK(value_of("v34: [unclosed") == "[unclosed]");
  CHECK(value_of("k22: a (unclosed") == "a (unclosed");
}

TEST_CASE("postalias names lose their quotes and keep their case for the table to fold", "[tables]") {
  CHECK(name_of("\"quoted name\": x") == "quoted name");
  CHECK(name_of("Root: x") == "Root");
  CHECK(name_of("K20 : x") == "K20");
  CHECK(name_of("\"a b\"c: d") == "a b c");
  CHECK(name_of("k34\\x: y") == "k34x");
  CHECK(name_of("(c)k35: z") == "(c) k35");
  CHECK(name_of("<k37>: b") == "<k37>");
}

TEST_CASE("postalias rejects lines without a name, a value or a colon", "[tables]") {
  CHECK(mail::parse_alias_line("nocolon").status == mail::AliasLineStatus::kNeedPair);
  CHECK(mail::parse_alias_line(":emptyname").status == mail::AliasLineStatus::kNeedPair);
  CHECK(mail::parse_alias_line("emptyval:").status == mail::AliasLineStatus::kNeedPair);
  CHECK(mail::parse_alias_line("\"unterminated: y").status == mail::AliasLineStatus::kNeedPair);
  CHECK(mail::parse_alias_line("k38.x@y: c").status == mail::AliasLineStatus::kNameNotLocal);
}

TEST_CASE("postalias joins continuation lines across comments and blank lines", "[tables]") {
  auto entries = read_all(
      "# header\n"
      "Root: Cmpuser, Other@Example.COM\n"
      "postmaster:root\n"
      "list: a,\n"
      "  b\n"
      "\n"
      "# comment inside\n"
      "  c\n"
      "bad line\n"
      "multi\n"
      "  line\n"
      "   : val\n");
  REQUIRE(entries.size() == 4);
  CHECK(entries[0].name == "Root");
  CHECK(entries[1].value == "root");
  CHECK(entries[2].name == "list");
  CHECK(entries[2].value == "a, b c");
  CHECK(entries[2].line == 4);
  CHECK(entries[3].name == "multi line");
  CHECK(entries[3].value == "val");
  CHECK(entries[3].line == 10);
}

TEST_CASE("postalias skips a first line that starts with whitespace", "[tables]") {
  auto entries = read_all("  leading: x\nok: y\n");
  REQUIRE(entries.size() == 1);
  CHECK(entries[0].name == "ok");
}

TEST_CASE("postalias treats percent, bang and pipe as specials", "[tables]") {
  CHECK(value_of("p1: |\"b\"") == "|\"b\"");
  CHECK(value_of("p13: | \"b\"") == "|\"b\"");
  CHECK(value_of("p2: /\"b\"") == "/ \"b\"");
  CHECK(value_of("c4: a % b%\"q\"") == "a%b%\"q\"");
  CHECK(value_of("c1: a ! b!\"q\"") == "a!b!\"q\"");
  CHECK(value_of("c11: a = b=\"q\"") == "a = b= \"q\"");
  CHECK(value_of("e1: a\\%b") == "\"a%b\"");
  CHECK(value_of("e4: a\\=b") == "a=b");
}

TEST_CASE("postalias names the file and first line of each rejected entry", "[tables]") {
  test::LogCapture log;
  auto entries = read_all("ok: x\nnocolon\n  continued\nremote@host: y\n  leading\n");
  CHECK(entries.size() == 1);
  CHECK(log.lines() == std::vector<std::string>{
                           "warning: aliases, line 2: need name:value pair",
                           "warning: aliases, line 4: name must be local"});
}

TEST_CASE("postalias warns about a continuation with nothing to continue", "[tables]") {
  test::LogCapture log;
  auto entries = read_all("  leading: x\n");
  CHECK(entries.empty());
  CHECK(log.lines() == std::vector<std::string>{
                           "warning: aliases: logical line must not start with whitespace: "
                           "\"  leading: x\""});
}
