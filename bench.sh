#!/bin/bash
# receipts on vs off, side by side, one run
J=/tmp/p14/chatapp-bench.jar
cp /work/main/examples/target/chatapp-bench.jar $J
for t in socket grpc; do
 for extra in "" "--rate 5000"; do
  for r in "" "--no-live-receipts" "" "--no-live-receipts"; do
   out=$(timeout 200 java -jar $J --transport $t --server fork --clients 32 --count-bytes --duration 8 --warmup 3 $extra $r 2>&1 | grep '^BENCH')
   echo "$t|${extra:-max}|${r:-receipts-on}|$(cut -d' ' -f1 /proc/loadavg)|$out"
  done
 done
done
