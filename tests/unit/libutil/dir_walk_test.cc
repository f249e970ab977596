#include "libutil/dir_walk.h"

#include <unistd.h>

#include <catch.hpp>
#include <filesystem>
#include <string>
#include <vector>

#include "tests/support/temp_dir.h"

namespace {

// A hashed queue: files at the top and in one-character levels, plus things
// a walk must not enter.
void make_queue(const test::TempDir& t) {
  namespace fs = std::filesystem;
  fs::create_directories(t.file("q/A/B"));
  fs::create_directories(t.file("q/longname"));
  t.write("q/top", "x");
  t.write("q/A/mid", "x");
  t.write("q/A/B/deep", "x");
  t.write("q/longname/hidden", "x");
  REQUIRE(::symlink(t.file("q/A").c_str(), t.file("q/L").c_str()) == 0);
}

std::vector<std::string> names(const std::string& dir, const util::DirWalkOptions& options,
                               std::vector<std::string>* dirs = nullptr) {
  std::vector<std::string> out;
  auto r = util::walk_dir(
      dir, options, [&](const util::DirEntry& e) { out.push_back(e.name); },
      [&](const std::string& d) {
        if (dirs) dirs->push_back(d.substr(dir.size()));
      });
  REQUIRE(r);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST_CASE("walk_dir descends one-character hash levels and reports links as links", "[dir_walk]") {
  test::TempDir t;
  make_queue(t);
  CHECK(names(t.file("q"), {}) == std::vector<std::string>{"L", "deep", "mid", "top"});
}

TEST_CASE("walk_dir stops at max_depth", "[dir_walk]") {
  test::TempDir t;
  make_queue(t);
  util::DirWalkOptions one;
  one.max_depth = 1;
  CHECK(names(t.file("q"), one) == std::vector<std::string>{"L", "mid", "top"});
  util::DirWalkOptions none;
  none.max_depth = 0;
  CHECK(names(t.file("q"), none) == std::vector<std::string>{"L", "top"});
}

TEST_CASE("walk_dir enters any directory when asked and reports them after their contents",
          "[dir_walk]") {
  test::TempDir t;
  make_queue(t);
  util::DirWalkOptions all;
  all.single_char_dirs = false;
  all.sorted = true;
  std::vector<std::string> dirs;
  CHECK(names(t.file("q"), all, &dirs) ==
        std::vector<std::string>{"L", "deep", "hidden", "mid", "top"});
  CHECK(dirs == std::vector<std::string>{"/A/B", "/A", "/longname"});
}

TEST_CASE("walk_dir fails on a missing top directory and names it", "[dir_walk]") {
  test::TempDir t;
  auto r = util::walk_dir(t.file("nope"), {}, [](const util::DirEntry&) {});
  REQUIRE_FALSE(r);
  CHECK(r.error().message.find("open directory " + t.file("nope")) == 0);
}
