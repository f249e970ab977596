#!/usr/bin/env bash
# bench/local.sh: local submission and delivery, Postern beside Postfix.
#   sudo bench/local.sh [OURS_BUILD_DIR [COUNT [REPS]]]
# For each system, on an instance of its own in a temp dir (the default
# master.cf without the SMTP listener, mailboxes in the temp dir, 10 users):
#   seq   COUNT sendmail submissions one after the other, then wait until all
#         are in the mailboxes;
#   par8  the same with 8 submitters in parallel;
#   fanin 2*COUNT messages, each to one of the 10 users, submitted 8 at a
#         time, until all are in the mailboxes.
# Prints wall times (submission done / all delivered), the counts found in
# the mailboxes (must equal what was sent: any loss stops the script) and
# the ratio ours/Postfix per phase. Each phase runs REPS times (default 3),
# ours and Postfix's alternating who goes first; the table shows medians.
# Root only (instances switch users).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/bench/lib.sh"
ours_build=${1:-$top/build}
count=${2:-1000}
reps=${3:-3}
users=10

[ "$(id -u)" = 0 ] || { echo "local.sh: run as root" >&2; exit 1; }
[ -x /usr/sbin/postfix ] || { echo "local.sh: Debian's postfix is not installed (scripts/deps.sh)" >&2; exit 1; }

work=$(mktemp -d /tmp/postern-bench-local.XXXXXX)
chmod 755 "$work"  # the postfix user must reach data_directory
cleanup() {
  stop_instances
  for i in $(seq 0 $((users - 1))); do userdel "pbench$i" >/dev/null 2>&1 || true; done
  rm -rf "$work"
}
trap cleanup EXIT

for i in $(seq 0 $((users - 1))); do
  userdel "pbench$i" >/dev/null 2>&1 || true
  useradd -M -d /nonexistent -s /usr/sbin/nologin "pbench$i"
done

setup() {  # setup SYS
  local sys=$1 dir=$work/$1
  make_instance_dirs "$sys"
  mkdir -p "$dir/mail"
  chmod 1777 "$dir/mail"
  {
    base_main_cf "$sys"
    echo "mail_spool_directory = $dir/mail"
  } >"$dir/main.cf"
  grep -v '^smtp      inet' "$top/conf/master.cf" >"$dir/master.cf"
  "$(tool_of "$sys" postfix)" -c "$dir" start >/dev/null 2>&1
}

delivered() {  # delivered SYS -> number of messages in all mailboxes
  cat "$work/$1"/mail/pbench* 2>/dev/null | grep -c '^X-Bench-Id: ' || true
}

wait_delivered() {  # wait_delivered SYS N
  local deadline=$((SECONDS + 600))
  while [ "$(delivered "$1")" -lt "$2" ]; do
    [ $SECONDS -lt $deadline ] || { echo "timeout: $(delivered "$1") of $2 delivered by $1" >&2; return 1; }
    sleep 0.05
  done
}

submit_range() {  # submit_range SYS FIRST LAST
  local sm; sm=$(tool_of "$1" sendmail)
  for n in $(seq "$2" "$3"); do
    printf 'Subject: bench %s\nX-Bench-Id: %s\n\nbody %s\n' "$n" "$n" "$n" |
      "$sm" -C "$work/$1" -f root "pbench$((n % users))"
  done
}

run_phase() {  # run_phase SYS PHASE TOTAL PARALLEL -> "submit_secs deliver_secs"
  local sys=$1 phase=$2 total=$3 par=$4
  local base; base=$(delivered "$sys")
  local start; start=$(now)
  submit_parallel "$sys" "$base" "$total" "$par"
  local submitted; submitted=$(now)
  wait_delivered "$sys" $((base + total))
  local done_at; done_at=$(now)
  local got=$(( $(delivered "$sys") - base ))
  [ "$got" -eq "$total" ] || { echo "$sys $phase: $got of $total delivered (loss or duplicate)" >&2; exit 1; }
  echo "$(echo "$submitted - $start" | bc) $(echo "$done_at - $start" | bc)"
}

setup ours
setup theirs
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg); $reps runs per phase, medians in seconds"
printf '%-6s %-7s %12s %12s %12s %12s %8s\n' phase count "ours-submit" "ours-all" "pfx-submit" "pfx-all" ratio
for spec in "seq $count 1" "par8 $count 8" "fanin $((count * 2)) 8"; do
  set -- $spec
  os=() oa=() ts=() ta=()
  for ((r = 1; r <= reps; r++)); do
    order="ours theirs"
    [ $((r % 2)) = 0 ] && order="theirs ours"
    for sys in $order; do
      read -r s a <<<"$(run_phase "$sys" "$1" "$2" "$3")"
      [ -n "${a:-}" ] || exit 1
      if [ "$sys" = ours ]; then os+=("$s") oa+=("$a"); else ts+=("$s") ta+=("$a"); fi
      echo "  run $r $sys $1: submitted ${s}s, all delivered ${a}s" >&2
    done
  done
  mos=$(printf '%s\n' "${os[@]}" | median) moa=$(printf '%s\n' "${oa[@]}" | median)
  mts=$(printf '%s\n' "${ts[@]}" | median) mta=$(printf '%s\n' "${ta[@]}" | median)
  printf '%-6s %-7s %12.2f %12.2f %12.2f %12.2f %8.2f\n' "$1" "$2" "$mos" "$moa" "$mts" "$mta" \
    "$(echo "$moa / $mta" | bc -l)"
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
