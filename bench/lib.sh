# bench/lib.sh: what the side-by-side benchmarks share. Sourced, not run.
# The caller sets `ours_build` (our build tree) and `work` (its temp dir),
# and names the two systems "ours" and "theirs" (Debian's Postfix).

tool_of() {  # tool_of SYS NAME -> that system's command
  [ "$1" = ours ] && echo "$ours_build/sbin/$2" || echo "/usr/sbin/$2"
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

now() { date +%s.%N; }

median() { sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

# The main.cf lines every bench instance has: its own queue, data directory
# and log in $work/SYS, no aliases, and for ours the build's programs. The
# caller appends its own lines.
base_main_cf() {  # base_main_cf SYS
  local dir=$work/$1
  echo "compatibility_level = 3.6"
  echo "queue_directory = $dir/queue"
  echo "data_directory = $dir/data"
  echo "maillog_file = $dir/maillog"
  echo "maillog_file_prefixes = $work"
  echo "myhostname = bench.example.test"
  echo "inet_interfaces = 127.0.0.1"
  echo "alias_maps ="
  echo "alias_database ="
  if [ "$1" = ours ]; then
    echo "command_directory = $ours_build/sbin"
    echo "daemon_directory = $ours_build/libexec/postfix"
  fi
}

make_instance_dirs() {  # make_instance_dirs SYS
  mkdir -p "$work/$1/queue" "$work/$1/data"
  chown postfix "$work/$1/data"  # the postfix user must reach data_directory
}

stop_instances() {  # stop both systems' instances, if set up
  local sys
  for sys in ours theirs; do
    [ -f "$work/$sys/main.cf" ] && "$(tool_of "$sys" postfix)" -c "$work/$sys" stop >/dev/null 2>&1 || true
  done
}

# Run `submit_range SYS FIRST LAST` (the caller's) over BASE..BASE+TOTAL-1
# split into PAR parallel submitters, and wait for all of them.
submit_parallel() {  # submit_parallel SYS BASE TOTAL PAR
  local sys=$1 base=$2 total=$3 par=$4
  local per=$(((total + par - 1) / par)) pids=() p first last
  for p in $(seq 0 $((par - 1))); do
    first=$((p * per)) last=$(((p + 1) * per - 1))
    [ $last -ge $total ] && last=$((total - 1))
    [ $first -le $last ] || continue
    submit_range "$sys" $((base + first)) $((base + last)) &
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p"; done
}
