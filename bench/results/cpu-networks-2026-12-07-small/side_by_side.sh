#!/bin/bash
# Old and new binaries alternating, three rounds: the network bench cases,
# one and two threads, both precisions. OLD and NEW are trilobite binaries.
OLD=${OLD:?} NEW=${NEW:?}
for round in 1 2 3; do
  for v in old new; do
    B=$OLD; [ $v = new ] && B=$NEW
    for t in 1 2; do
      echo "== round $round $v threads $t load $(cut -d' ' -f1 /proc/loadavg)"
      $B bench --networks --precision f32,f64 --starts 16 --steps 400 --repeats 5 --threads $t 2>&1 | grep "^mlp"
    done
  done
done
