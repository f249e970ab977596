// The flush service: a single-client server on public/flush answering the
// requests of libmail/flush_client.h (add, send_site, send_file, refresh,
// purge) with {status}. Sending moves deferred mail to incoming (see
// flush_logs.h) and then asks qmgr for an incoming scan ("I").
// refresh (also run for master's "W" wake-up, which is not an attribute
// list) sends logs not sent for fast_flush_refresh_time and removes empty
// logs unused for fast_flush_purge_time; purge sends every log.
// Easy to get wrong: fast_flush_domains may name tables or files; the list
// is opened once before the chroot, and an add/send for a site outside it
// is refused (kDeny), never logged. The namespace is fast_flush because a
// namespace "flush" would clash with std::flush.
#pragma once

namespace fast_flush {

int run(int argc, char** argv);

}  // namespace fast_flush
