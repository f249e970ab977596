#include "tests/support/sasldb_maker.h"

#include <sys/stat.h>

#include <fstream>
#include <utility>

#include "tests/support/process.h"

namespace test {

SasldbMaker::SasldbMaker(std::string dir) : dir_(std::move(dir)) {}

util::Result<void> SasldbMaker::add_user(const std::string& user, const std::string& realm,
                                         const std::string& password) {
  RunOptions options;
  options.stdin_text = password + "\n";
  options.timeout_seconds = 30;
  RunResult r =
      run({"/usr/sbin/saslpasswd2", "-f", sasldb_path(), "-c", "-p", "-u", realm, user}, options);
  if (r.exit_status != 0) {
    return util::fail("saslpasswd2 " + user + "@" + realm + " failed (status " +
                      std::to_string(r.exit_status) + "): " + r.out + r.err);
  }
  // The daemon under test may run as another user (mail_owner) and must
  // read the database, as the seed recipe's "chmod 640, group sasl" does.
  ::chmod(sasldb_path().c_str(), 0644);
  return {};
}

std::string SasldbMaker::write_conf(const std::string& app, const std::string& mech_list) const {
  return write_conf_with_path(app, mech_list, sasldb_path());
}

std::string SasldbMaker::write_conf_with_path(const std::string& app, const std::string& mech_list,
                                              const std::string& sasldb_path) const {
  std::string path = conf_path(app);
  std::ofstream out(path, std::ios::trunc);
  out << "pwcheck_method: auxprop\n"
      << "auxprop_plugin: sasldb\n"
      << "mech_list: " << mech_list << "\n";
  if (!sasldb_path.empty()) out << "sasldb_path: " << sasldb_path << "\n";
  out.close();
  ::chmod(path.c_str(), 0644);
  return path;
}

}  // namespace test
