#!/bin/sh
# Old and new binaries alternating: descend 10^6 (five rounds) and 10^7
# (three rounds), --records all, quartic-dimple, two threads; then the
# zero-cost pipeline bench at 10^7 (three rounds). Usage: side_by_side.sh OLD NEW
OLD=$1 NEW=$2
stats() {
  TRILOBITE_DRIVER_STATS=1 /usr/bin/time -f "%e s wall %U user %S sys %M KB" "$@" 2>&1 |
    grep -E "^stages|^records|wall" | tr '\n' ' '
  echo
}
for n in 1000000 10000000; do
  rounds=5; [ $n = 10000000 ] && rounds=3
  for i in $(seq $rounds); do
    for b in "$OLD" "$NEW"; do
      echo "== $n round $i $b"
      stats "$b" descend -l quartic-dimple --starts $n --records all -q --threads 2 -o /tmp/side.h5 --force
      uptime
    done
  done
done
for i in 1 2 3; do
  for b in "$OLD" "$NEW"; do
    echo "== zero-cost 10000000 round $i $b"
    "$b" bench --pipeline --backend zero-cost --starts 10000000 --records all --repeats 1 --threads 2 2>&1 | grep -E "^quartic"
    uptime
  done
done
