#!/bin/bash
# bench/tables.sh: Postern's postmap against Postfix's, side by side.
# Builds a 200,000-line hash: table and runs 10,000 bulk lookups
# (postmap -q - hash:FILE < keys) with each, REPS times, and prints the
# median times and the ratio ours/theirs (below 1.0 = ours is faster).
#
# usage: bench/tables.sh [OURS_POSTMAP [THEIRS_POSTMAP [REPS]]]
#   OURS_POSTMAP   default: build/sbin/postmap next to this script's tree
#   THEIRS_POSTMAP default: /usr/sbin/postmap
#   REPS           default: 5
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
ours=${1:-$here/build/sbin/postmap}
theirs=${2:-/usr/sbin/postmap}
reps=${3:-5}
lines=200000
queries=10000

for p in "$ours" "$theirs"; do
  [ -x "$p" ] || { echo "tables.sh: $p is not an executable" >&2; exit 1; }
done

work=$(mktemp -d /tmp/postern-bench-tables.XXXXXX)
trap 'rm -rf "$work"' EXIT
: > "$work/main.cf"

# Keys look like real access/virtual entries; values vary in length.
awk -v n=$lines 'BEGIN { for (i = 0; i < n; i++)
  printf "user%d@host%d.example.com OK value number %d %s\n", i, i % 977, i, substr("xxxxxxxxxxxxxxxx", 1, i % 16) }' \
  > "$work/source"
# 9 in 10 queries hit, in an order unrelated to the file's; some in upper case.
awk -v n=$lines -v q=$queries 'BEGIN { srand(42); for (i = 0; i < q; i++) {
  k = int(rand() * n); if (i % 10 == 9) printf "missing%d@nowhere.example\n", k;
  else if (i % 7 == 0) printf "USER%d@HOST%d.EXAMPLE.COM\n", k, k % 977;
  else printf "user%d@host%d.example.com\n", k, k % 977 } }' > "$work/keys"

now() { date +%s.%N; }
# run_timed LABEL COMMAND...: prints elapsed seconds
run_timed() {
  local t0 t1
  t0=$(now)
  "$@" > /dev/null
  t1=$(now)
  echo "$t1 - $t0" | bc -l
}

median() { sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

declare -a ob tb oq tq
for ((r = 1; r <= reps; r++)); do
  cp "$work/source" "$work/ours"
  cp "$work/source" "$work/theirs"
  rm -f "$work/ours.db" "$work/theirs.db"
  ob[r]=$(run_timed "$ours" -c "$work" "hash:$work/ours")
  tb[r]=$(run_timed "$theirs" -c "$work" "hash:$work/theirs")
  # The check below would catch a table that answers differently.
  oq[r]=$(run_timed sh -c "'$ours' -c '$work' -q - 'hash:$work/ours' < '$work/keys' > '$work/ours.out' || true")
  tq[r]=$(run_timed sh -c "'$theirs' -c '$work' -q - 'hash:$work/theirs' < '$work/keys' > '$work/theirs.out' || true")
  if ! cmp -s "$work/ours.out" "$work/theirs.out"; then
    echo "tables.sh: bulk lookup output differs between ours and theirs" >&2
    diff "$work/ours.out" "$work/theirs.out" | head >&2
    exit 1
  fi
  printf 'rep %d: build ours %.3fs theirs %.3fs | %d lookups ours %.3fs theirs %.3fs\n' \
    "$r" "${ob[r]}" "${tb[r]}" "$queries" "${oq[r]}" "${tq[r]}"
done

mob=$(printf '%s\n' "${ob[@]}" | median)
mtb=$(printf '%s\n' "${tb[@]}" | median)
moq=$(printf '%s\n' "${oq[@]}" | median)
mtq=$(printf '%s\n' "${tq[@]}" | median)
echo "found: $(wc -l < "$work/ours.out") of $queries keys"
printf 'median build  (%d lines):   ours %.3fs theirs %.3fs ratio ours/theirs %.2f\n' \
  $lines "$mob" "$mtb" "$(echo "$mob / $mtb" | bc -l)"
printf 'median lookup (%d keys):    ours %.3fs theirs %.3fs ratio ours/theirs %.2f\n' \
  $queries "$moq" "$mtq" "$(echo "$moq / $mtq" | bc -l)"
