#!/usr/bin/env bash
# headline.py reads the right rows: the quiet run-all of 2026-12-03 found it
# mixing "intake Stream" with "intake Stream, batched", evidence's own phase
# with the plain pipeline's "first batch", and "audited" with "not audited".
set -euo pipefail
headline=$1
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail=0
expect() {  # expect BENCH LOG LINE
  local got; got=$(python3 "$headline" "$1" "$2")
  if ! grep -qxF -- "$3" <<<"$got"; then
    echo "FAIL: $1: want line: $3"; echo "got:"; echo "$got"; fail=1
  fi
}
cat > "$tmp/intake.log" <<'LOG'
| run | path | reports | s | reports/s | × plain |
|---:|---|---:|---:|---:|---:|
| 1 | plain librdkafka | 1000 | 1 | 400000 | 1.00 |
| 1 | intake Stream | 100 | 1 | 40000 | 0.10 |
| 1 | intake Stream, batched | 100 | 1 | 80000 | 0.20 |
| 1 | intake Submit | 100 | 1 | 60000 | 0.15 |

| path | runs | reports/s, median (min–max) | × plain, median (min–max) |
|---|---:|---:|---:|
| intake Stream | 1 | 99999 (99999–99999) | 0.9 (0.9–0.9) |
LOG
expect intake "$tmp/intake.log" 'SUMMARY|intake|intake Stream reports/s|40000|plain librdkafka 400000|0.10|≥ 0.4 × plain|no'
expect intake "$tmp/intake.log" 'SUMMARY|intake|intake Stream, batched reports/s|80000|plain librdkafka 400000|0.20|≥ 0.4 × plain|no'
expect intake "$tmp/intake.log" 'SUMMARY|intake|intake Submit reports/s|60000|plain librdkafka 400000|0.15|≥ 0.5 × plain|no'
cat > "$tmp/evidence.log" <<'LOG'
| run | phase | claims/s | × plain |
|---:|---|---:|---:|
| 1 | evidence, process start → last assessment | 10000 | 0.5 |
| 1 | evidence, first → last assessment | 31000 | 1.5 |
| 1 | plain pipeline, first batch → last commit | 20000 | — |
LOG
expect evidence "$tmp/evidence.log" 'SUMMARY|evidence|claims/s (first → last assessment)|31000|plain consume → RocksDB → produce of the same bytes|1.500|≥ 30000 claims/s|yes'
cat > "$tmp/gateway-audit.log" <<'LOG'
| mode | reads | reads/s |
|---|---|---|
| public (20 PUBLIC events, not audited) | 100 | 3000 |
| audited (20 RESTRICTED events, KafkaTrail) | 50 | 1500 |
LOG
expect gateway-audit "$tmp/gateway-audit.log" 'SUMMARY|gateway-audit|audited restricted reads/s|1500|public reads (not audited) 3000|0.50|—|—'
(( fail == 0 )) && echo "headline_test: passed"
exit "$fail"
