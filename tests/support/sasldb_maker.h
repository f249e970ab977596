// test::SasldbMaker: a real Cyrus sasldb2 made with saslpasswd2 plus the
// application config file (smtpd.conf) that points libsasl2 at it, all in
// one directory, for the smtpd AUTH tests and the smtp SASL client tests.
// Use: SasldbMaker m(dir.path()); m.add_user("alice", "example.test", "pw");
//      m.write_conf();  then cyrus_sasl_config_path = m.dir().
// Easy to get wrong: saslpasswd2 stores "user" in realm "REALM"; a client
// logs in as "user@REALM". The conf file is named after the application
// (smtpd_sasl_path, "smtpd"), and libsasl2 reads it when the server (or
// client) library is initialised, so write it before SaslServer::create.
#pragma once

#include <string>

#include "libutil/error.h"

namespace test {

class SasldbMaker {
 public:
  // Files go in `dir`: DIR/sasldb2 and DIR/APP.conf.
  explicit SasldbMaker(std::string dir);

  const std::string& dir() const { return dir_; }
  std::string sasldb_path() const { return dir_ + "/sasldb2"; }
  std::string conf_path(const std::string& app = "smtpd") const {
    return dir_ + "/" + app + ".conf";
  }

  // saslpasswd2 -f DIR/sasldb2 -c -p -u REALM USER, password on stdin.
  // The error carries saslpasswd2's output.
  util::Result<void> add_user(const std::string& user, const std::string& realm,
                              const std::string& password);

  // DIR/APP.conf with pwcheck_method: auxprop, auxprop_plugin: sasldb,
  // mech_list: MECHS, sasldb_path: DIR/sasldb2 (or `sasldb_path` when given,
  // e.g. "" to leave it out and get Cyrus's default /etc/sasldb2, which in a
  // chroot is QUEUE_DIR/etc/sasldb2). Returns the file's path.
  std::string write_conf(const std::string& app = "smtpd",
                         const std::string& mech_list = "PLAIN LOGIN") const;
  std::string write_conf_with_path(const std::string& app, const std::string& mech_list,
                                   const std::string& sasldb_path) const;

 private:
  std::string dir_;
};

}  // namespace test
