// The processes master started, by pid: which service (by key) and
// generation each belongs to, and whether it said it is available.
// Used by master.cc for spawning, status messages and reaping.
// Easy to get wrong: a child of an older generation (before a reload) is
// "retired": it still exists and must be reaped quietly, but it no longer
// counts against its service's process limit or idle count.
#pragma once

#include <sys/types.h>

#include <map>
#include <optional>
#include <string>

namespace master {

struct Child {
  pid_t pid = 0;
  std::string service_key;
  unsigned generation = 0;
  bool avail = true;   // master assumes a new child is ready to accept
  long use_count = 0;  // times it reported "taken"
};

class ChildTable {
 public:
  void add(const Child& child) { children_[child.pid] = child; }
  Child* find(pid_t pid) {
    auto it = children_.find(pid);
    return it == children_.end() ? nullptr : &it->second;
  }
  std::optional<Child> remove(pid_t pid) {
    auto it = children_.find(pid);
    if (it == children_.end()) return std::nullopt;
    Child c = it->second;
    children_.erase(it);
    return c;
  }
  const std::map<pid_t, Child>& all() const { return children_; }
  bool empty() const { return children_.empty(); }

 private:
  std::map<pid_t, Child> children_;
};

}  // namespace master
