#!/usr/bin/env bash
# bench/relay.sh: relaying to an SMTP server on loopback, Postern beside Postfix.
#   sudo bench/relay.sh [OURS_BUILD_DIR [COUNT]]
# For each system, on an instance of its own in a temp dir (the default
# master.cf without the SMTP listener, relayhost = [127.0.0.1]:PORT of an
# smtp-sink of its own that dumps every transaction to a file):
#   reuse    COUNT sendmail submissions, 8 submitters in parallel, with
#            connection reuse (smtp_connection_cache_on_demand = yes, the
#            default), until the sink has COUNT transactions;
#   noreuse  the same with smtp_connection_cache_on_demand = no.
# Prints wall times (submission done / all received by the sink), the counts
# the sink received (must equal what was sent: any loss stops the script)
# and the ratio ours/Postfix per phase. Root only (instances switch users).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
ours_build=${1:-$top/build}
count=${2:-2000}

[ "$(id -u)" = 0 ] || { echo "relay.sh: run as root" >&2; exit 1; }
[ -x /usr/sbin/postfix ] || { echo "relay.sh: Debian's postfix is not installed (scripts/deps.sh)" >&2; exit 1; }
[ -x /usr/sbin/smtp-sink ] || { echo "relay.sh: smtp-sink (Debian's postfix) is missing" >&2; exit 1; }

work=$(mktemp -d /tmp/postern-bench-relay.XXXXXX)
chmod 755 "$work"
sink_pids=()
cleanup() {
  for sys in ours theirs; do
    [ -f "$work/$sys/main.cf" ] && "$(postfix_of $sys)" -c "$work/$sys" stop >/dev/null 2>&1 || true
  done
  for pid in "${sink_pids[@]}"; do kill "$pid" >/dev/null 2>&1 || true; done
  rm -rf "$work"
}
trap cleanup EXIT

postfix_of() { [ "$1" = ours ] && echo "$ours_build/sbin/postfix" || echo /usr/sbin/postfix; }
sendmail_of() { [ "$1" = ours ] && echo "$ours_build/sbin/sendmail" || echo /usr/sbin/sendmail; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

setup() {  # setup SYS REUSE(yes|no)
  local sys=$1 reuse=$2 dir=$work/$1
  [ -f "$dir/main.cf" ] && "$(postfix_of "$sys")" -c "$dir" stop >/dev/null 2>&1 || true
  rm -rf "$dir"
  mkdir -p "$dir/queue" "$dir/data" "$dir/sink"
  chown postfix "$dir/data"
  chmod 777 "$dir/sink"
  local port; port=$(free_port)
  /usr/sbin/smtp-sink -u postfix -d "$dir/sink/m." "127.0.0.1:$port" 256 >/dev/null 2>&1 &
  sink_pids+=($!)
  {
    echo "compatibility_level = 3.6"
    echo "queue_directory = $dir/queue"
    echo "data_directory = $dir/data"
    echo "maillog_file = $dir/maillog"
    echo "maillog_file_prefixes = $work"
    echo "myhostname = bench.example.test"
    echo "inet_interfaces = 127.0.0.1"
    echo "alias_maps ="
    echo "alias_database ="
    echo "relayhost = [127.0.0.1]:$port"
    echo "smtp_connection_cache_on_demand = $reuse"
    if [ "$sys" = ours ]; then
      echo "command_directory = $ours_build/sbin"
      echo "daemon_directory = $ours_build/libexec/postfix"
    fi
  } >"$dir/main.cf"
  grep -v '^smtp      inet' "$top/conf/master.cf" >"$dir/master.cf"
  "$(postfix_of "$sys")" -c "$dir" start >/dev/null 2>&1
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
  local sm; sm=$(sendmail_of "$1")
  for n in $(seq "$2" "$3"); do
    printf 'Subject: bench %s\nX-Bench-Id: %s\n\nbody %s\n' "$n" "$n" "$n" |
      "$sm" -C "$work/$1" -f root "far$((n % 10))@example.org"
  done
}

now() { date +%s.%N; }

run_phase() {  # run_phase SYS TOTAL PARALLEL -> "submit_secs all_secs"
  local sys=$1 total=$2 par=$3
  local start; start=$(now)
  local per=$(( (total + par - 1) / par ))
  local pids=()
  for p in $(seq 0 $((par - 1))); do
    local first=$((p * per)) last=$(((p + 1) * per - 1))
    [ $last -ge $total ] && last=$((total - 1))
    [ $first -le $last ] || continue
    submit_range "$sys" "$first" "$last" &
    pids+=($!)
  done
  for pid in "${pids[@]}"; do wait "$pid"; done
  local submitted; submitted=$(now)
  wait_received "$sys" "$total"
  local done_at; done_at=$(now)
  sleep 1  # anything beyond TOTAL would be a duplicate
  local got; got=$(received "$sys")
  [ "$got" -eq "$total" ] || { echo "$sys: $got of $total received (loss or duplicate)" >&2; exit 1; }
  echo "$(echo "$submitted - $start" | bc) $(echo "$done_at - $start" | bc)"
}

printf '%-8s %-6s %12s %12s %12s %12s %8s\n' phase count "ours-submit" "ours-all" "pfx-submit" "pfx-all" ratio
for phase in reuse noreuse; do
  reuse=yes
  [ "$phase" = noreuse ] && reuse=no
  setup ours "$reuse"
  setup theirs "$reuse"
  read -r os oa <<<"$(run_phase ours "$count" 8)"
  read -r ts ta <<<"$(run_phase theirs "$count" 8)"
  [ -n "${oa:-}" ] && [ -n "${ta:-}" ] || exit 1
  printf '%-8s %-6s %12.2f %12.2f %12.2f %12.2f %8.2f\n' "$phase" "$count" "$os" "$oa" "$ts" "$ta" \
    "$(echo "$oa / $ta" | bc -l)"
done
