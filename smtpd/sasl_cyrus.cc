#include "smtpd/sasl_cyrus.h"

#include <sasl/saslutil.h>

#include <cstdlib>
#include <cstring>
#include <vector>

#include "libconf/config.h"
#include "libmail/sasl_codec.h"
#include "libutil/log.h"

namespace smtpd::cyrus {
namespace {

// libsasl2 keeps the callback table and asks for the path while it
// initialises; both must outlive every connection, hence process globals.
std::string g_config_path;
std::string g_app;
bool g_initialised = false;

int log_callback(void*, int level, const char* message) {
  if (message == nullptr) return SASL_OK;
  switch (level) {
    case SASL_LOG_ERR:
    case SASL_LOG_WARN:
      util::msg_warn(std::string("SASL authentication problem: ") + message);
      break;
    case SASL_LOG_FAIL:
      util::msg_warn(std::string("SASL authentication failure: ") + message);
      break;
    default:  // NOTE, DEBUG, TRACE and PASS (which may hold secrets): never
      break;
  }
  return SASL_OK;
}

int config_path_callback(void*, char** path) {
  // The answer must be heap memory that libsasl2 owns; 2.1.28 (Debian 12)
  // never frees it (ASan shows 25 bytes per sasl_server_init, i.e. once
  // per process), later versions free() it, so a static string is no option.
  *path = ::strdup(g_config_path.c_str());
  return *path ? SASL_OK : SASL_NOMEM;
}

using SaslProc = int (*)(void);
template <class F>
SaslProc as_proc(F* f) {
  return reinterpret_cast<SaslProc>(reinterpret_cast<void (*)()>(f));
}

sasl_callback_t g_callbacks[] = {
    {SASL_CB_LOG, nullptr, nullptr},
    {SASL_CB_GETCONFPATH, nullptr, nullptr},
    {SASL_CB_LIST_END, nullptr, nullptr},
};

}  // namespace

util::Result<void> server_init(const std::string& app, const std::string& config_path) {
  if (g_initialised && app == g_app && config_path == g_config_path) return {};
  if (g_initialised) {
    sasl_server_done();
    g_initialised = false;
  }
  g_app = app;
  g_config_path = config_path;
  g_callbacks[0].proc = as_proc(&log_callback);
  g_callbacks[1].proc = as_proc(&config_path_callback);
  int status = sasl_server_init(g_callbacks, g_app.c_str());
  if (status != SASL_OK) {
    return util::fail("SASL per-process initialization failed: " + mail::sasl_status_text(status));
  }
  g_initialised = true;
  return {};
}

void ConnDeleter::operator()(sasl_conn_t* conn) const {
  if (conn) sasl_dispose(&conn);
}

int set_security(sasl_conn_t* conn, unsigned flags) {
  sasl_security_properties_t props{};
  props.min_ssf = 0;
  props.max_ssf = 0;  // no SASL security layer: TLS does that job
  props.maxbufsize = 0;
  props.security_flags = flags;
  return sasl_setprop(conn, SASL_SEC_PROPS, &props);
}

}  // namespace smtpd::cyrus
