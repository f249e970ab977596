// Queue IDs and hash paths; every expected value was observed on Postfix
// 3.7.11 (IDs compared with `ls -i` and the deferred/ tree).
#include "libmail/queue_id.h"

#include <catch.hpp>

TEST_CASE("short queue IDs are five hex digits of microseconds and the hex inode", "[queue]") {
  CHECK(mail::make_short_queue_id(0xAFAE8, 0xA7414D) == "AFAE8A7414D");
  CHECK(mail::make_short_queue_id(0x09E3A, 0xA74079) == "09E3AA74079");
  CHECK(mail::make_short_queue_id(5, 0x1F) == "000051F");
  auto parts = mail::parse_queue_id("5D084A74023");
  REQUIRE(parts);
  CHECK_FALSE(parts->long_form);
  CHECK(parts->usec == 0x5D084);
  CHECK(parts->inode == 10960931);
}

TEST_CASE("long queue IDs encode seconds, microseconds and inode in base 52", "[queue]") {
  CHECK(mail::make_long_queue_id(1795426712, 710255, 10961064) == "4jY18m52flz1bc8p");
  auto parts = mail::parse_queue_id("4jY18m52flz1bc8p");
  REQUIRE(parts);
  CHECK(parts->long_form);
  CHECK(parts->seconds == 1795426712);
  CHECK(parts->usec == 710255);
  CHECK(parts->inode == 10961064);
  // Zero padding of the time parts.
  CHECK(mail::make_long_queue_id(0, 0, 0) == "0000000000z0");
}

TEST_CASE("queue IDs round-trip through make and parse", "[queue]") {
  for (long usec : {0L, 1L, 51L, 52L, 999999L}) {
    for (unsigned long inode : {0UL, 1UL, 50UL, 51UL, 0xFFFFFFUL, 123456789UL}) {
      auto s = mail::parse_queue_id(mail::make_short_queue_id(usec, inode));
      REQUIRE(s);
      CHECK(s->usec == usec);
      CHECK(s->inode == inode);
      auto l = mail::parse_queue_id(mail::make_long_queue_id(1795426712, usec, inode));
      REQUIRE(l);
      CHECK(l->long_form);
      CHECK(l->seconds == 1795426712);
      CHECK(l->usec == usec);
      CHECK(l->inode == inode);
    }
  }
  CHECK_FALSE(mail::parse_queue_id("hello"));
  CHECK_FALSE(mail::parse_queue_id("abcdefg"));  // lower case is not hex here
}

TEST_CASE("queue_id_ok accepts what postcat -q accepts", "[queue]") {
  CHECK(mail::queue_id_ok("AFAE8A7414D"));
  CHECK(mail::queue_id_ok("4jY18m52flz1bc8p"));
  CHECK(mail::queue_id_ok("A_B"));
  CHECK_FALSE(mail::queue_id_ok(""));
  CHECK_FALSE(mail::queue_id_ok("A-B"));
  CHECK_FALSE(mail::queue_id_ok("A.B"));
  CHECK_FALSE(mail::queue_id_ok("../etc"));
  CHECK_FALSE(mail::queue_id_ok(std::string(256, 'A')));
}

TEST_CASE("hash directories come from the hex microseconds of either ID form", "[queue]") {
  CHECK(mail::queue_hash_dir("B0FE1A74379", 1) == "B/");
  CHECK(mail::queue_hash_dir("B0FE1A74379", 2) == "B/0/");
  CHECK(mail::queue_hash_dir("B0FE1A74379", 0) == "");
  CHECK(mail::queue_hash_dir("4jY18m52flz1bc8p", 2) == "A/D/");
  CHECK(mail::queue_hash_dir("4jY1TQ2QgPz1bc7K", 2) == "5/3/");
  CHECK(mail::queue_hash_dir("4jY1TQ2Rqnz1bc7P", 2) == "5/4/");
  CHECK(mail::queue_hash_dir("4jY1TQ2K2xz1bc7L", 2) == "4/F/");
}

TEST_CASE("only queues in hash_queue_names get hash subdirectories", "[queue]") {
  auto names = mail::default_hash_queue_names();
  CHECK(mail::queue_file_path("deferred", "B0FE1A74379", names, 1) == "deferred/B/B0FE1A74379");
  CHECK(mail::queue_file_path("defer", "B0FE1A74379", names, 1) == "defer/B/B0FE1A74379");
  CHECK(mail::queue_file_path("hold", "AFAE8A7414D", names, 1) == "hold/AFAE8A7414D");
  std::vector<std::string> more = {"deferred", "defer", "hold", "incoming"};
  CHECK(mail::queue_file_path("hold", "4jY18m52flz1bc8p", more, 2) ==
        "hold/A/D/4jY18m52flz1bc8p");
}
