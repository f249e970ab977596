// Queue directories for the queue-listing tests (showq, postqueue, flush):
// the Postfix-written sample files of tests/data/showq laid out as their
// README says, and small synthetic queue files.
// Easy to get wrong: a listed file must be mode 0700 (showq skips others),
// and Postfix's showq runs as mail_owner, so for the oracle the tree must
// belong to postfix.
#pragma once

#include <string>
#include <vector>

namespace test {

// Create queue_dir/{maildrop,active,incoming,deferred,hold,defer,...} and
// the five sample messages of tests/data/showq/README.txt.
void fill_sample_queue(const std::string& queue_dir);

// A queue file (cleanup layout: C T A S R... M N X E) with these values.
std::string make_queue_file(const std::string& sender, const std::vector<std::string>& recipients,
                            long size, long arrival_time = 1795426277);

// Write `content` to queue_dir/relative (parents created) with `mode`.
void put_queue_file(const std::string& queue_dir, const std::string& relative,
                    const std::string& content, int mode = 0700);

// chown postfix:postfix everything below `dir` (not `dir` itself): Postfix's
// showq, the oracle, and ours under master both read as mail_owner.
void chown_to_postfix(const std::string& dir);

}  // namespace test
