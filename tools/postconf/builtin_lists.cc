// postconf -m/-a/-A/-l/-T.
#include "tools/postconf/builtin_lists.h"

#include <dlfcn.h>
#include <openssl/opensslv.h>

#include <cstdio>

#include "libutil/dict.h"

namespace postconf {
namespace {

void line(const std::string& s) { std::printf("%s\n", s.c_str()); }

}  // namespace

void show_table_types() {
  // Only what dict_open() can really open: listing a type we cannot serve
  // (Postfix also has memcache, socketmap, tcp) would invite a configuration
  // that fails at the first lookup.
  for (const auto& t : util::dict_types()) line(t);
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
