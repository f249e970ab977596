#!/usr/bin/env bash
# bench/relay.sh: relaying to an SMTP server on loopback, Postern beside Postfix.
#   sudo bench/relay.sh [OURS_BUILD_DIR [COUNT [REPS]]]
# For each system, on an instance of its own in a temp dir (the default
# master.cf without the SMTP listener, relayhost = [127.0.0.1]:PORT of an
# smtp-sink of its own that dumps every transaction to a file):
#   reuse    COUNT sendmail submissions, 8 submitters in parallel, each put
#            on hold by a header_checks HOLD rule (so submission and relaying
#            are timed apart); once all are in hold/, `postsuper -H ALL` and
#            `postqueue -f` release them, and the drain time runs until the
#            sink has COUNT transactions and the queue is empty; with
#            connection reuse (smtp_connection_cache_on_demand = yes, the
#            default, and smtp_connection_cache_destinations = the relayhost,
#            so sessions are cached even without a backlog);
#   noreuse  the same with smtp_connection_cache_on_demand = no and no
#            cached destinations: one connection per message.
# Prints the median times (submission until all held / drain after the
# release), how many deliveries the log shows on a reused connection
# (conn_use=), and the ratio ours/Postfix of the drain times. The sink must
# receive exactly COUNT per run: any loss or duplicate stops the script. Each phase runs REPS times (default
# 5) on the same pair of instances, ours and Postfix's alternating who goes
# first; the table shows medians. Root only (instances switch users).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/bench/lib.sh"
ours_build=${1:-$top/build}
count=${2:-2000}
reps=${3:-5}

[ "$(id -u)" = 0 ] || { echo "relay.sh: run as root" >&2; exit 1; }
[ -x /usr/sbin/postfix ] || { echo "relay.sh: Debian's postfix is not installed (scripts/deps.sh)" >&2; exit 1; }
[ -x /usr/sbin/smtp-sink ] || { echo "relay.sh: smtp-sink (Debian's postfix) is missing" >&2; exit 1; }

work=$(mktemp -d /tmp/postern-bench-relay.XXXXXX)
chmod 755 "$work"
sink_pids=()
cleanup() {
  stop_instances
  for pid in "${sink_pids[@]}"; do kill "$pid" >/dev/null 2>&1 || true; done
  rm -rf "$work"
}
trap cleanup EXIT

setup() {  # setup SYS REUSE(yes|no)
  local sys=$1 reuse=$2 dir=$work/$1
  [ -f "$dir/main.cf" ] && "$(tool_of "$sys" postfix)" -c "$dir" stop >/dev/null 2>&1 || true
  rm -rf "$dir"
  make_instance_dirs "$sys"
  mkdir -p "$dir/sink"
  chmod 777 "$dir/sink"
  local port; port=$(free_port)
  /usr/sbin/smtp-sink -u postfix -d "$dir/sink/m." "127.0.0.1:$port" 256 >/dev/null 2>&1 &
  sink_pids+=($!)
  {
    base_main_cf "$sys"
    echo "relayhost = [127.0.0.1]:$port"
    echo "header_checks = regexp:$dir/hold.re"
    echo "smtp_connection_cache_on_demand = $reuse"
    [ "$reuse" = yes ] && echo "smtp_connection_cache_destinations = [127.0.0.1]:$port"
  } >"$dir/main.cf"
  grep -v '^smtp      inet' "$top/conf/master.cf" >"$dir/master.cf"
  echo '/^X-Bench-Id:/ HOLD bench' >"$dir/hold.re"
  "$(tool_of "$sys" postfix)" -c "$dir" start >/dev/null 2>&1
}

queued() {  # queued SYS QUEUE... -> files in those queues
  local sys=$1 q n=0; shift
  for q in "$@"; do
    n=$((n + $(find "$work/$sys/queue/$q" -type f 2>/dev/null | wc -l)))
  done
  echo "$n"
}

received() {  # received SYS -> transactions the sink dumped
  find "$work/$1/sink" -type f 2>/dev/null | wc -l
}

wait_received() {  # wait_received SYS N
  local deadline=$((SECONDS + 600))
  while [ "$(received "$1")" -lt "$2" ]; do
    [ $SECONDS -lt $deadline ] || { echo "timeout: $(received "$1") of $2 received from $1" >&2; return 1; }
    sleep 0.05
  done
}

submit_range() {  # submit_range SYS FIRST LAST
  local sm; sm=$(tool_of "$1" sendmail)
  for n in $(seq "$2" "$3"); do
    printf 'Subject: bench %s\nX-Bench-Id: %s\n\nbody %s\n' "$n" "$n" "$n" |
      "$sm" -C "$work/$1" -f root "far$((n % 10))@example.org"
  done
}

run_phase() {  # run_phase SYS TOTAL PARALLEL -> "submit_secs drain_secs"
  local sys=$1 total=$2 par=$3 dir=$work/$1
  local base; base=$(received "$sys")
  local start; start=$(now)
  submit_parallel "$sys" "$base" "$total" "$par"
  local deadline=$((SECONDS + 600))
  while [ "$(queued "$sys" hold)" -lt "$total" ]; do
    [ $SECONDS -lt $deadline ] || { echo "timeout: $(queued "$sys" hold) of $total held by $sys" >&2; return 1; }
    sleep 0.05
  done
  local held; held=$(now)
  "$(tool_of "$sys" postsuper)" -c "$dir" -H ALL 2>/dev/null
  "$(tool_of "$sys" postqueue)" -c "$dir" -f
  wait_received "$sys" $((base + total))
  while [ "$(queued "$sys" maildrop incoming active deferred hold)" -gt 0 ]; do
    [ $SECONDS -lt $deadline ] || { echo "timeout: $sys's queue does not empty" >&2; return 1; }
    sleep 0.05
  done
  local done_at; done_at=$(now)
  sleep 1  # anything beyond TOTAL would be a duplicate
  local got; got=$(($(received "$sys") - base))
  [ "$got" -eq "$total" ] || { echo "$sys: $got of $total received (loss or duplicate)" >&2; exit 1; }
  echo "$(echo "$held - $start" | bc) $(echo "$done_at - $held" | bc)"
}

reused() {  # reused SYS -> deliveries logged on a reused connection
  grep -c 'conn_use=' "$work/$1/maillog" 2>/dev/null || true
}

echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg); $reps runs per phase, medians in seconds"
printf '%-8s %-6s %11s %11s %11s %11s %10s %10s %7s\n' phase count "ours-submit" "ours-drain" "pfx-submit" "pfx-drain" "ours-reuse" "pfx-reuse" ratio
for phase in reuse noreuse; do
  reuse=yes
  [ "$phase" = noreuse ] && reuse=no
  setup ours "$reuse"
  setup theirs "$reuse"
  os=() oa=() ts=() ta=()
  for ((r = 1; r <= reps; r++)); do
    order="ours theirs"
    [ $((r % 2)) = 0 ] && order="theirs ours"
    for sys in $order; do
      read -r s a <<<"$(run_phase "$sys" "$count" 8)"
      [ -n "${a:-}" ] || exit 1
      if [ "$sys" = ours ]; then os+=("$s") oa+=("$a"); else ts+=("$s") ta+=("$a"); fi
      echo "  run $r $sys $phase: all held after ${s}s, drained in ${a}s" >&2
    done
  done
  mos=$(printf '%s\n' "${os[@]}" | median) moa=$(printf '%s\n' "${oa[@]}" | median)
  mts=$(printf '%s\n' "${ts[@]}" | median) mta=$(printf '%s\n' "${ta[@]}" | median)
  printf '%-8s %-6s %11.2f %11.2f %11.2f %11.2f %10s %10s %7.2f\n' "$phase" "$count" "$mos" "$moa" "$mts" "$mta" \
    "$(reused ours)" "$(reused theirs)" "$(echo "$moa / $mta" | bc -l)"
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
