// postmap/postalias option parsing and the -F base64 helpers.
#include "libmail/table_options.h"

#include <catch.hpp>
#include <string>
#include <vector>

#include "libmail/table_base64.h"

namespace {

mail::TableOptions parse(mail::TableToolKind kind, std::vector<std::string> args) {
  std::vector<char*> argv;
  std::string name = mail::table_tool_name(kind);
  argv.push_back(name.data());
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  return mail::parse_table_options(kind, static_cast<int>(argv.size() - 1), argv.data());
}

}  // namespace

TEST_CASE("postmap options accept operands before and after flags", "[tables]") {
  auto opt = parse(mail::TableToolKind::kPostmap, {"-q", "key", "hash:a", "-c", "/etc/x", "b"});
  CHECK(opt.mode == mail::TableMode::kQuery);
  CHECK(opt.key == "key");
  CHECK(opt.config_dir == "/etc/x");
  CHECK(opt.maps == std::vector<std::string>{"hash:a", "b"});
}

TEST_CASE("postmap options map -n -N -f -r -w -o -p -i onto table settings", "[tables]") {
  auto opt = parse(mail::TableToolKind::kPostmap, {"-nfoipr", "x"});
  CHECK_FALSE(opt.append_nul);
  CHECK_FALSE(opt.fold_case);
  CHECK(opt.keep_root);
  CHECK(opt.incremental);
  CHECK_FALSE(opt.copy_mode);
  CHECK(opt.duplicates == util::DictDuplicates::kReplace);
  opt = parse(mail::TableToolKind::kPostalias, {"-n", "-N", "-w", "x"});
  CHECK(opt.append_nul);
  CHECK(opt.duplicates == util::DictDuplicates::kIgnore);
  CHECK(opt.mode == mail::TableMode::kBuild);
}

TEST_CASE("postmap -s and -d select dump and delete modes", "[tables]") {
  CHECK(parse(mail::TableToolKind::kPostmap, {"-s", "x"}).mode == mail::TableMode::kDump);
  auto opt = parse(mail::TableToolKind::kPostalias, {"-d", "-", "x"});
  CHECK(opt.mode == mail::TableMode::kDelete);
  CHECK(opt.key == "-");
}

TEST_CASE("base64 for postmap -F round-trips and rejects bad text", "[tables]") {
  CHECK(mail::base64_encode("first\n\nsecond\n") == "Zmlyc3QKCnNlY29uZAo=");
  CHECK(mail::base64_encode("") == "");
  CHECK(mail::base64_encode("ab") == "YWI=");
  CHECK(mail::base64_decode("Zmlyc3QKCnNlY29uZAo=") == std::optional<std::string>("first\n\nsecond\n"));
  CHECK(mail::base64_decode("YWI=") == std::optional<std::string>("ab"));
  CHECK_FALSE(mail::base64_decode("notbase64!"));
  CHECK_FALSE(mail::base64_decode("YW=I"));
}
