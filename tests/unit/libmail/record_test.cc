// Queue-file record framing, checked against real Postfix 3.7.11 queue
// files (tests/data/queue/*.bin) and their independent decodings
// (*.records.txt, written by a Python decoder).
#include "libmail/record.h"

#include <fcntl.h>
#include <unistd.h>

#include <catch.hpp>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "libutil/fd.h"
#include "tests/support/paths.h"
#include "tests/support/temp_dir.h"

namespace {

const std::vector<std::string> kSamples = {
    "maildrop_root",         "maildrop_user",         "qf_actions2_hold",
    "qf_actions_hold",       "qf_deferred_partial",   "qf_deferred_warn_longid",
    "qf_longline_hold",      "qf_remote_hold",        "qf_sendmail_root_hold",
    "qf_sendmail_user_hold", "qf_smtp_hold",          "qf_t_hold",
    "requeued_maildrop"};

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Python's repr() of an ASCII string, as in the .records.txt files.
std::string py_repr(const std::string& s) {
  char quote = (s.find('\'') != std::string::npos && s.find('"') == std::string::npos) ? '"' : '\'';
  std::string out(1, quote);
  for (unsigned char c : s) {
    if (c == '\\') out += "\\\\";
    else if (c == static_cast<unsigned char>(quote)) out += std::string("\\") + quote;
    else if (c == '\t') out += "\\t";
    else if (c == '\n') out += "\\n";
    else if (c == '\r') out += "\\r";
    else if (c < 32 || c >= 127) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + quote;
}

std::string describe(const mail::Record& r) {
  std::size_t n = r.data.size();
  int length_bytes = 1;
  for (std::size_t m = n; m >= 128; m >>= 7) ++length_bytes;
  char head[64];
  std::snprintf(head, sizeof head, "%5ld %c lenbytes=%d len=%-4zu ", static_cast<long>(r.offset),
                r.type, length_bytes, n);
  return head + py_repr(r.data);
}

}  // namespace

TEST_CASE("every sample queue file decodes to the records its listing shows", "[queue]") {
  for (const auto& name : kSamples) {
    INFO(name);
    std::string bytes = slurp(test::data_file("queue/" + name + ".bin"));
    auto records = mail::parse_records(bytes);
    REQUIRE(records.has_value());
    std::ifstream listing(test::data_file("queue/" + name + ".records.txt"));
    std::string line;
    REQUIRE(std::getline(listing, line));
    REQUIRE(line.rfind("== ", 0) == 0);
    std::vector<std::string> expected;
    while (std::getline(listing, line))
      if (!line.empty()) expected.push_back(line);
    REQUIRE(records->size() == expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i) {
      // The listing cuts long lines at 140 characters.
      std::string ours = describe((*records)[i]).substr(0, 140);
      CHECK(ours == expected[i].substr(0, 140));
    }
  }
}

TEST_CASE("re-encoding the decoded records reproduces each sample byte for byte", "[queue]") {
  for (const auto& name : kSamples) {
    INFO(name);
    std::string bytes = slurp(test::data_file("queue/" + name + ".bin"));
    auto records = mail::parse_records(bytes);
    REQUIRE(records.has_value());
    std::string again;
    for (const auto& r : *records) {
      CHECK(static_cast<std::size_t>(r.offset) == again.size());
      mail::append_record(again, r.type, r.data);
    }
    CHECK(again == bytes);
  }
}

TEST_CASE("record lengths use base 128 with the low seven bits first", "[queue]") {
  auto header_of = [](std::size_t n) {
    std::string out;
    mail::append_record(out, 'N', std::string(n, 'x'));
    return out.substr(0, out.size() - n);
  };
  CHECK(header_of(0) == std::string("N\x00", 2));
  CHECK(header_of(95) == "N\x5f");
  CHECK(header_of(208) == "N\xd0\x01");
  CHECK(header_of(2048) == "N\x80\x10");
  CHECK(header_of(952) == "N\xb8\x07");
  CHECK(mail::record_size(95) == 97);
  CHECK(mail::record_size(2048) == 2051);
}

TEST_CASE("a line longer than line_length_limit becomes L pieces and a final N", "[queue]") {
  std::string out;
  mail::append_text_line(out, std::string(3000, 'x'));
  auto records = mail::parse_records(out);
  REQUIRE(records.has_value());
  REQUIRE(records->size() == 2);
  CHECK((*records)[0].type == 'L');
  CHECK((*records)[0].data.size() == 2048);
  CHECK((*records)[1].type == 'N');
  CHECK((*records)[1].data.size() == 952);

  std::string exact;
  mail::append_text_line(exact, std::string(2048, 'y'));
  auto one = mail::parse_records(exact);
  REQUIRE(one.has_value());
  REQUIRE(one->size() == 1);
  CHECK((*one)[0].type == 'N');
}

TEST_CASE("corrupt record framing gives Postfix's errors instead of crashing", "[queue]") {
  auto error_of = [](std::string bytes) {
    auto r = mail::parse_records(bytes);
    REQUIRE_FALSE(r.has_value());
    return r.error().message;
  };
  CHECK(error_of("C") == "unexpected EOF reading length, record type 67");
  CHECK(error_of("T\x85") == "unexpected EOF reading length, record type 84");
  CHECK(error_of("T\xff\xff\xff\xff\xff\xff\xff") == "too many length bits, record type 84");
  CHECK(error_of("T\xff\xff\xff\x7f") ==
        "unexpected EOF in data, record type 84 length 268435455");
  CHECK(error_of("T\xff\xff\xff\xff\x0f") == "illegal length -1, record type 84");
  CHECK(error_of("T\xff\xff\xff\xff\x08") == "illegal length -1879048193, record type 84");
  CHECK(error_of("N\x05" "abc") == "unexpected EOF in data, record type 78 length 5");
}

TEST_CASE("the record length and count bounds turn oversized input into errors", "[queue]") {
  std::string out;
  mail::append_record(out, 'N', std::string(100, 'a'));
  auto too_long = mail::parse_records(out, 64);
  REQUIRE_FALSE(too_long.has_value());
  CHECK(too_long.error().message == "illegal length 100, record type 78");
  CHECK(mail::parse_records(out, 100).has_value());

  std::string many;
  for (int i = 0; i < 10; ++i) mail::append_record(many, 'N', "x");
  CHECK_FALSE(mail::parse_records(many, 0, 9).has_value());
  CHECK(mail::parse_records(many, 0, 10).has_value());
}

TEST_CASE("reading from a file claiming a 256 MB record fails without reading that much",
          "[queue]") {
  test::TempDir dir;
  std::string path = dir.write("giant", std::string("T\xff\xff\xff\x7f", 5) + "short");
  util::Fd fd(::open(path.c_str(), O_RDONLY));
  REQUIRE(fd);
  mail::RecordReader reader(fd.get());
  auto r = reader.next();
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().message == "unexpected EOF in data, record type 84 length 268435455");
}

TEST_CASE("the fd reader walks a real queue file and can seek back", "[queue]") {
  util::Fd fd(::open(test::data_file("queue/qf_longline_hold.bin").c_str(), O_RDONLY));
  REQUIRE(fd);
  mail::RecordReader reader(fd.get());
  std::vector<mail::Record> records;
  for (;;) {
    auto r = reader.next();
    REQUIRE(r.has_value());
    if (!*r) break;
    records.push_back(**r);
  }
  REQUIRE(records.size() == 38);
  CHECK(records[34].type == 'L');
  CHECK(records[34].offset == 1233);
  CHECK(records[34].data.size() == 2048);
  CHECK(records.back().type == 'E');
  REQUIRE(reader.seek(1233).has_value());
  auto again = reader.next();
  REQUIRE(again.has_value());
  REQUIRE(again->has_value());
  CHECK(**again == records[34]);
}
