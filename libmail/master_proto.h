// The contract between master and the service processes it starts: the fd
// numbers every child finds open, and the busy/idle status message children
// write to master on fd 5. Used by master/ and by the server skeletons.
// Easy to get wrong: the status socket is shared by all children of one
// service (one socketpair per service), so a message must be written in ONE
// write() of a fixed size or messages of two children could interleave.
#pragma once

#include <sys/types.h>

namespace mail {

inline constexpr int kMasterFlowReadFd = 3;   // flow pipe, read end
inline constexpr int kMasterFlowWriteFd = 4;  // flow pipe, write end
inline constexpr int kMasterStatusFd = 5;     // busy/idle messages to master
inline constexpr int kMasterListenFd = 6;     // the service's endpoint
inline constexpr int kMasterLogFd = 7;        // reserved: postlog socket
inline constexpr int kMasterLockFd = 8;       // accept lock (process_limit != 1)

// Environment variable through which master tells a child its generation.
inline constexpr const char* kMasterGenerationEnv = "GENERATION";

enum MasterStat : int {
  kMasterStatTaken = 0,  // the child took a client and is busy
  kMasterStatAvail = 1,  // the child is idle and can take the next one
};

struct MasterStatusMessage {
  int pid = 0;
  unsigned generation = 0;
  int avail = kMasterStatAvail;
};

}  // namespace mail
