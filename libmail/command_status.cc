#include "libmail/command_status.h"

namespace mail {
namespace {

struct SysExit {
  int code;
  const char* dsn;
  const char* text;
};
// sysexits.h codes with the DSN and words Postfix reports for them.
constexpr SysExit kSysExits[] = {
    {64, "5.3.0", "command line usage error"},  {65, "5.6.0", "data format error"},
    {66, "5.3.0", "cannot open input"},         {67, "5.1.1", "user unknown"},
    {68, "5.1.2", "host name unknown"},         {69, "5.3.0", "service unavailable"},
    {70, "5.3.0", "internal software error"},   {71, "4.3.0", "system resource problem"},
    {72, "5.3.0", "critical OS file missing"},  {73, "5.2.0", "can't create user output file"},
    {74, "5.3.0", "input/output error"},        {75, "4.3.0", "temporary failure"},
    {76, "5.5.0", "remote error in protocol"},  {77, "5.7.0", "permission denied"},
    {78, "5.3.5", "local configuration error"},
};

DeliveryOutcome failed(std::string dsn, std::string text) {
  return dsn[0] == '4' ? deferred(std::move(dsn), std::move(text))
                       : bounced(std::move(dsn), std::move(text));
}

}  // namespace

std::string flatten_command_output(std::string output) {
  for (char& c : output)
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  while (!output.empty() && output.back() == ' ') output.pop_back();
  return output;
}

DeliveryOutcome command_status(std::string_view command, const util::CommandResult& result) {
  std::string output = flatten_command_output(result.output);
  std::string suffix = output.empty() ? "" : ". Command output: " + output;
  std::string quoted = "\"" + std::string(command) + "\"";
  if (result.timed_out) return failed("5.3.0", "Command time limit exceeded: " + quoted + suffix);
  if (result.status.signaled())
    return failed("5.3.0", "Command died with signal " + std::to_string(result.status.signal()) +
                               ": " + quoted + suffix);
  int code = result.status.code();
  if (code == 0) return sent("");
  for (const auto& e : kSysExits)
    if (e.code == code) return failed(e.dsn, e.text + suffix);
  return failed("5.3.0",
                "Command died with status " + std::to_string(code) + ": " + quoted + suffix);
}

}  // namespace mail
