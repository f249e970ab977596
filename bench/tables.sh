#!/bin/bash
# bench/tables.sh: Postern's postmap against Postfix's, side by side.
# Builds a 200,000-line hash: table and runs 10,000 bulk lookups
# (postmap -q - hash:FILE < keys) with each, REPS times, and prints the
# median wall-clock and CPU times and the ratios ours/theirs (below 1.0 =
# ours is faster).
#
# usage: bench/tables.sh [OURS_POSTMAP [THEIRS_POSTMAP [REPS]]]
#   OURS_POSTMAP   default: build/sbin/postmap next to this script's tree
#   THEIRS_POSTMAP default: /usr/sbin/postmap
#   REPS           default: 5
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
. "$here/bench/lib.sh"
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

# timed COMMAND...: runs it, prints "WALL CPU" in seconds (CPU = user + sys).
# Wall time on a shared machine swings with everyone else's load; CPU time
# is the steadier measure of the work each program does.
timed() {
  /usr/bin/time -f '%e %U %S' -o "$work/time" "$@" > /dev/null
  awk '{ printf "%.3f %.3f\n", $1, $2 + $3 }' "$work/time"
}

declare -a obw obc tbw tbc oqw oqc tqw tqc
for ((r = 1; r <= reps; r++)); do
  cp "$work/source" "$work/ours"
  cp "$work/source" "$work/theirs"
  rm -f "$work/ours.db" "$work/theirs.db"
  read -r obw[r] obc[r] < <(timed "$ours" -c "$work" "hash:$work/ours")
  read -r tbw[r] tbc[r] < <(timed "$theirs" -c "$work" "hash:$work/theirs")
  read -r oqw[r] oqc[r] < <(timed sh -c "'$ours' -c '$work' -q - 'hash:$work/ours' < '$work/keys' > '$work/ours.out'; true")
  read -r tqw[r] tqc[r] < <(timed sh -c "'$theirs' -c '$work' -q - 'hash:$work/theirs' < '$work/keys' > '$work/theirs.out'; true")
  # A faster program that answers differently would be no use.
  if ! cmp -s "$work/ours.out" "$work/theirs.out"; then
    echo "tables.sh: bulk lookup output differs between ours and theirs" >&2
    diff "$work/ours.out" "$work/theirs.out" | head >&2
    exit 1
  fi
  printf 'rep %d: build ours %ss (cpu %ss) theirs %ss (cpu %ss) | %d lookups ours %ss (cpu %ss) theirs %ss (cpu %ss)\n' \
    "$r" "${obw[r]}" "${obc[r]}" "${tbw[r]}" "${tbc[r]}" "$queries" "${oqw[r]}" "${oqc[r]}" "${tqw[r]}" "${tqc[r]}"
done

med() { printf '%s\n' "$@" | median; }
ratio() { echo "scale=2; $1 / $2" | bc -l; }
report() {  # LABEL OURS_WALL THEIRS_WALL OURS_CPU THEIRS_CPU
  printf '%-30s wall: ours %.3fs theirs %.3fs ratio ours/theirs %s | cpu: ours %.3fs theirs %.3fs ratio %s\n' \
    "$1" "$2" "$3" "$(ratio "$2" "$3")" "$4" "$5" "$(ratio "$4" "$5")"
}
echo "found: $(wc -l < "$work/ours.out") of $queries keys, same output from both"
report "median build ($lines lines)" "$(med "${obw[@]}")" "$(med "${tbw[@]}")" \
  "$(med "${obc[@]}")" "$(med "${tbc[@]}")"
report "median lookup ($queries keys)" "$(med "${oqw[@]}")" "$(med "${tqw[@]}")" \
  "$(med "${oqc[@]}")" "$(med "${tqc[@]}")"
