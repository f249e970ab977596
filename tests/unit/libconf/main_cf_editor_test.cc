// Unit tests for conf::edit_main_cf_text and the atomic file replacement.
#include <sys/stat.h>

#include <catch.hpp>

#include "libconf/config_file_writer.h"
#include "libconf/main_cf_editor.h"
#include "tests/support/temp_dir.h"

namespace {

conf::MainCfEdit set(std::vector<std::pair<std::string, std::string>> items) {
  return {conf::MainCfEditMode::kSet, std::move(items)};
}

conf::MainCfEdit names(conf::MainCfEditMode mode, std::vector<std::string> list) {
  conf::MainCfEdit edit{mode, {}};
  for (auto& n : list) edit.items.emplace_back(n, "");
  return edit;
}

const std::string kText =
    "# hdr\n"
    "a = 1\n"
    "  cont\n"
    "# mid\n"
    "b=2\n"
    "\n"
    "d = 6\n";

}  // namespace

TEST_CASE("postconf -e replaces a definition and drops its continuation lines", "[main_cf_editor]") {
  CHECK(conf::edit_main_cf_text(kText, "main.cf", set({{"a", "x"}})) ==
        "# hdr\na = x\n# mid\nb=2\n\nd = 6\n");
}

TEST_CASE("postconf -e appends new names in argument order, empty values with a space",
          "[main_cf_editor]") {
  CHECK(conf::edit_main_cf_text("x = 1\n", "main.cf", set({{"zz", ""}, {"c", "new"}})) ==
        "x = 1\nzz = \nc = new\n");
}

TEST_CASE("postconf -X deletes a definition with its continuation lines", "[main_cf_editor]") {
  CHECK(conf::edit_main_cf_text(kText, "main.cf",
                                names(conf::MainCfEditMode::kRemove, {"a", "d", "nosuch"})) ==
        "# hdr\n# mid\nb=2\n\n");
}

TEST_CASE("postconf -# comments out every physical line of a definition", "[main_cf_editor]") {
  CHECK(conf::edit_main_cf_text(kText, "main.cf", names(conf::MainCfEditMode::kComment, {"a"})) ==
        "# hdr\n#a = 1\n#  cont\n# mid\nb=2\n\nd = 6\n");
}

TEST_CASE("a last line without newline stays without one", "[main_cf_editor]") {
  CHECK(conf::edit_main_cf_text("x = 1\nz=3", "main.cf", set({{"x", "2"}})) == "x = 2\nz=3");
}

TEST_CASE("an -e argument needs a name without spaces and an equals sign", "[main_cf_editor]") {
  auto ok = conf::parse_edit_assignment(" spaced  =  value  with  spaces  ");
  REQUIRE(ok);
  CHECK(ok->first == "spaced");
  CHECK(ok->second == "value  with  spaces");
  auto bad = conf::parse_edit_assignment("bad name=1");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message == "missing '=' after attribute name: \"bad name=1\"");
  CHECK_FALSE(conf::parse_edit_assignment("noeq"));
}

TEST_CASE("a configuration file is replaced by a new inode with the old mode", "[main_cf_editor]") {
  test::TempDir dir;
  std::string path = dir.write("main.cf", "a = 1\n", 0640);
  struct stat before;
  REQUIRE(::stat(path.c_str(), &before) == 0);
  REQUIRE(conf::replace_file_atomically(path, "a = 2\n"));
  struct stat after;
  REQUIRE(::stat(path.c_str(), &after) == 0);
  CHECK(after.st_ino != before.st_ino);
  CHECK((after.st_mode & 07777) == 0640);
  CHECK(dir.read("main.cf") == "a = 2\n");
  CHECK(::access(dir.file("main.cf.tmp").c_str(), F_OK) != 0);
  auto missing = conf::read_file_for_edit(dir.file("nosuch.cf"));
  REQUIRE_FALSE(missing);
  CHECK(missing.error().message == "open " + dir.file("nosuch.cf") + " for reading: No such file or directory");
}
