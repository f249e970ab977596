#include "libutil/strings.h"

#include <catch.hpp>

TEST_CASE("split drops empty pieces between mixed separators", "[util]") {
  auto v = util::split("a, b,,c\t d", ", \t");
  REQUIRE(v == std::vector<std::string>{"a", "b", "c", "d"});
}

TEST_CASE("trim removes surrounding blanks only", "[util]") {
  REQUIRE(util::trim("  a b \t") == "a b");
  REQUIRE(util::lowercase("User@Example.COM") == "user@example.com");
  REQUIRE(util::iequals("PosTfix", "postfix"));
}
