// postconf -m/-a/-A/-l/-T.
#include "tools/postconf/builtin_lists.h"

#include <dlfcn.h>
#include <openssl/opensslv.h>

#include <cstdio>
#include <set>

#include "libutil/dict.h"

namespace postconf {
namespace {

void line(const std::string& s) { std::printf("%s\n", s.c_str()); }

}  // namespace

void show_table_types() {
  // Postfix 3.7's built-in types; scripts test for them by name. Our own
  // registry adds what it implements beyond these (pcre, which Debian's
  // Postfix lists once postfix-pcre is installed).
  std::set<std::string> types = {"btree",   "cidr",     "environ", "fail",    "hash",
                                 "inline",  "internal", "memcache", "nis",    "pipemap",
                                 "proxy",   "randmap",  "regexp",  "socketmap", "static",
                                 "tcp",     "texthash", "unionmap", "unix"};
  for (const auto& t : util::dict_types()) types.insert(t);
  for (const auto& t : types) line(t);
}

void show_server_sasl() {
  line("cyrus");
  line("dovecot");
}

void show_client_sasl() { line("cyrus"); }

void show_lock_methods() {
  line("flock");
  line("fcntl");
  line("dotlock");
}

bool show_tls_info(const std::string& mode) {
  if (mode == "compile-version") {
    line(OPENSSL_VERSION_TEXT);
    return true;
  }
  if (mode == "run-version") {
    // Asked of the libcrypto this process would load, without linking every
    // tool against OpenSSL for one line of output.
    using VersionFn = const char* (*)(int);
    void* lib = dlopen("libcrypto.so.3", RTLD_NOW | RTLD_LOCAL);
    const char* text = OPENSSL_VERSION_TEXT;
    if (lib) {
      auto fn = reinterpret_cast<VersionFn>(dlsym(lib, "OpenSSL_version"));
      if (fn) text = fn(0);  // OPENSSL_VERSION
    }
    line(text);
    if (lib) dlclose(lib);
    return true;
  }
  if (mode == "public-key-algorithms") {
    line("dsa");
    line("ecdsa");
    line("rsa");
    return true;
  }
  return false;
}

}  // namespace postconf
