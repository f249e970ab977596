#!/usr/bin/env bash
# bench/smtp-ingest.sh: mail received over SMTP, Postern's smtpd beside Postfix's.
#   sudo bench/smtp-ingest.sh [OURS_BUILD_DIR [COUNT [REPS]]]
#   (DESTS="local" SESSIONS="10" in the environment run one case only)
# Each system runs an instance of its own in a temp dir: the default
# master.cf with its smtp line bound to 127.0.0.1:PORT (chroot as shipped),
# mailboxes in the temp dir. Debian's /usr/sbin/smtp-source sends COUNT
# messages of about 4 KB (one message per connection, its default) with 1,
# 10 and 50 parallel sessions, to two destinations:
#   discard  far@example.org, default_transport = discard (the client is in
#            mynetworks, so relaying is allowed);
#   local    pbench0@bench.example.test, into an mbox in the temp dir.
# A run's time is from the start of smtp-source until every message left the
# queue (the log's "removed" lines; for local also the mailbox's From_
# lines): both must equal COUNT, anything else stops the script, except
# fewer "removed" lines once the queue has stayed empty for 3 s: that is a
# log that lost lines, listed at the end (the run's time is when the queue
# was first seen empty). Each run is
# repeated REPS times (default 5), ours and Postfix's alternating; the medians are
# printed in messages per second with the ratio ours/Postfix (of the times:
# above 1.0 means ours is slower). The rate smtp-source alone saw (ingest,
# without waiting for delivery) is printed beside it. Root only.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/bench/lib.sh"
ours_build=${1:-$top/build}
count=${2:-2000}
reps=${3:-5}
size=4096
user=pbench0

[ "$(id -u)" = 0 ] || { echo "smtp-ingest.sh: run as root" >&2; exit 1; }
for p in /usr/sbin/postfix /usr/sbin/smtp-source "$ours_build/sbin/postfix"; do
  [ -x "$p" ] || { echo "smtp-ingest.sh: $p is missing (build, or scripts/deps.sh)" >&2; exit 1; }
done

work=$(mktemp -d /tmp/postern-bench-ingest.XXXXXX)
chmod 755 "$work"
cleanup() {
  stop_instances
  userdel "$user" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

userdel "$user" >/dev/null 2>&1 || true
useradd -M -d /nonexistent -s /usr/sbin/nologin "$user"

declare -A port
setup() {  # setup SYS
  local sys=$1 dir=$work/$1
  make_instance_dirs "$sys"
  mkdir -p "$dir/mail"
  chmod 1777 "$dir/mail"
  port[$sys]=$(free_port)
  {
    base_main_cf "$sys"
    echo "mail_spool_directory = $dir/mail"
    echo "mydestination = \$myhostname, localhost"
    echo "mynetworks = 127.0.0.0/8"
    echo "default_transport = discard:bench"
    echo "mailbox_size_limit = 0"  # the default 50 MB mbox fills after ~11,000 of these messages
  } >"$dir/main.cf"
  sed "s/^smtp      inet /127.0.0.1:${port[$sys]} inet /" "$top/conf/master.cf" >"$dir/master.cf"
  "$(tool_of "$sys" postfix)" -c "$dir" start >/dev/null 2>&1
  # Until the listener answers.
  local deadline=$((SECONDS + 30))
  until (exec 3<>"/dev/tcp/127.0.0.1/${port[$sys]}") 2>/dev/null; do
    [ $SECONDS -lt $deadline ] || { echo "smtp-ingest.sh: $sys does not listen on ${port[$sys]}" >&2; exit 1; }
    sleep 0.1
  done
}

removed() {  # removed SYS -> queue files removed so far, per the log
  grep -c ': removed$' "$work/$1/maillog" 2>/dev/null || true
}
queued() {  # queued SYS -> files in the queues a message passes through
  find "$work/$1/queue/maildrop" "$work/$1/queue/incoming" "$work/$1/queue/active" \
    "$work/$1/queue/deferred" "$work/$1/queue/hold" -type f 2>/dev/null | wc -l
}
in_mbox() {  # in_mbox SYS -> messages in the bench user's mbox
  grep -c '^From ' "$work/$1/mail/$user" 2>/dev/null || true
}

run_once() {  # run_once SYS DEST SESSIONS -> "ingest_secs all_secs"
  local sys=$1 dest=$2 sessions=$3 to
  [ "$dest" = local ] && to="$user@bench.example.test" || to="far@example.org"
  local base_removed base_mbox start ingested deadline done_at
  base_removed=$(removed "$sys")
  base_mbox=$(in_mbox "$sys")
  start=$(now)
  timeout 600 /usr/sbin/smtp-source -s "$sessions" -m "$count" -l "$size" -f bench@example.com \
    -t "$to" -M client.example.com "127.0.0.1:${port[$sys]}" >/dev/null ||
    { echo "smtp-ingest.sh: smtp-source into $sys failed" >&2; exit 1; }
  ingested=$(now)
  # Done when the log shows COUNT removals (and the mbox COUNT messages), or
  # when the queue has stayed empty for 3 s: then the log lost lines (the
  # time is when the queue was first seen empty; the shortfall is reported).
  deadline=$((SECONDS + 600))
  local empty_since=""
  done_at=""
  while [ $(($(removed "$sys") - base_removed)) -lt "$count" ] ||
    { [ "$dest" = local ] && [ $(($(in_mbox "$sys") - base_mbox)) -lt "$count" ]; }; do
    [ $SECONDS -lt $deadline ] || { echo "smtp-ingest.sh: timeout, $sys $dest" >&2; exit 1; }
    if [ "$(queued "$sys")" = 0 ]; then
      [ -n "$empty_since" ] || { empty_since=$SECONDS; done_at=$(now); }
      [ $((SECONDS - empty_since)) -lt 3 ] || break
    else
      empty_since="" done_at=""
    fi
    sleep 0.05
  done
  [ -n "$done_at" ] || done_at=$(now)
  local got=$(($(removed "$sys") - base_removed))
  if [ "$got" -ne "$count" ]; then
    echo "smtp-ingest.sh: $sys $dest -s $sessions: the log has $got 'removed' lines for $count messages, queue empty" >&2
    [ "$got" -lt "$count" ] || exit 1
    echo "$sys $dest -s $sessions: $((count - got)) 'removed' log lines missing (queue empty)" >>"$work/log-loss"
  fi
  if [ "$dest" = local ]; then
    got=$(($(in_mbox "$sys") - base_mbox))
    [ "$got" -eq "$count" ] || { echo "smtp-ingest.sh: $sys local -s $sessions: $got of $count in the mbox" >&2; exit 1; }
  fi
  echo "$(echo "$ingested - $start" | bc) $(echo "$done_at - $start" | bc)"
}

rate() { echo "scale=1; $count / $1" | bc -l; }

setup ours
setup theirs
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg); $count messages of $size bytes, $reps runs each"
printf '%-8s %4s %11s %11s %11s %11s %7s\n' dest sess "ours-ingest" "ours-all" "pfx-ingest" "pfx-all" ratio
for dest in ${DESTS:-discard local}; do
  for sessions in ${SESSIONS:-1 10 50}; do
    oi=() oa=() ti=() ta=()
    for ((r = 1; r <= reps; r++)); do
      # Alternate who goes first, so neither always meets the same load.
      order="ours theirs"
      [ $((r % 2)) = 0 ] && order="theirs ours"
      for sys in $order; do
        read -r i a <<<"$(run_once "$sys" "$dest" "$sessions")"
        [ -n "${a:-}" ] || exit 1
        if [ "$sys" = ours ]; then oi+=("$i") oa+=("$a"); else ti+=("$i") ta+=("$a"); fi
        echo "  run $r $sys $dest -s $sessions: ingest ${i}s, all removed ${a}s" >&2
      done
    done
    moi=$(printf '%s\n' "${oi[@]}" | median) moa=$(printf '%s\n' "${oa[@]}" | median)
    mti=$(printf '%s\n' "${ti[@]}" | median) mta=$(printf '%s\n' "${ta[@]}" | median)
    printf '%-8s %4s %9s/s %9s/s %9s/s %9s/s %7.2f\n' "$dest" "$sessions" "$(rate "$moi")" "$(rate "$moa")" \
      "$(rate "$mti")" "$(rate "$mta")" "$(echo "$moa / $mta" | bc -l)"
  done
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
if [ -s "$work/log-loss" ]; then
  echo "LOG LINES LOST (messages left the queue, the maillog does not show all):"
  cat "$work/log-loss"
fi
