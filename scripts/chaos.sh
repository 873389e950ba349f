#!/usr/bin/env bash
# A bigger chaos run than the suite's: three real nodes (A: embedded servers, simulators, ingress/webhooks/admin;
# B and C: the workers), orders pushed by the food simulator, kill -9 of B under load, B restarted, SIGTERM of C,
# C restarted; then every accepted order audited. Same test as the suite's ChaosTest (launcher module), larger.
#
#   scripts/chaos.sh                          1,200 orders at 5/s, both faults, the kill 30 s in (warm nodes)
#   scripts/chaos.sh --orders 600 --rate 10 --faults kill-b   (10/s and more saturate two cores: see docs/operations.md)
#   scripts/chaos.sh --faults none            the harness's sanity run: no faults, every invariant must hold
#
# Options (each maps to a -Dchaos.* system property, see ChaosSettings): --orders, --rate, --faults
# (kill-b,term-c | kill-b | term-c | none), --kill-after (s), --restart-after (s), --no-restart-c, --drain (s),
# --takeover-target (s), --extra-delay-target (s), --node-log-level (WARN), --offline (mvn -o).
# Runs through the Maven reactor (no `mvn install`). Prints the summary line and the report; exits 0 only when
# every invariant held and every target was met. Child logs and the report: launcher/target/node-processes/.
set -euo pipefail
cd "$(dirname "$0")/.."

orders=1200 rate=5 faults=kill-b,term-c drain=180 extra=(-Dchaos.killAfterSeconds=30)
maven_flags=(-B -ntp -q)
while [ $# -gt 0 ]; do
  case "$1" in
    --orders) orders="$2"; shift 2 ;;
    --rate) rate="$2"; shift 2 ;;
    --faults) faults="$2"; shift 2 ;;
    --drain) drain="$2"; shift 2 ;;
    --kill-after) extra+=("-Dchaos.killAfterSeconds=$2"); shift 2 ;;
    --restart-after) extra+=("-Dchaos.restartAfterSeconds=$2"); shift 2 ;;
    --no-restart-c) extra+=("-Dchaos.restartC=false"); shift ;;
    --takeover-target) extra+=("-Dchaos.target.takeoverSeconds=$2"); shift 2 ;;
    --extra-delay-target) extra+=("-Dchaos.target.extraDelaySeconds=$2"); shift 2 ;;
    --node-log-level) extra+=("-Dchaos.nodeLogLevel=$2"); shift 2 ;;
    --offline) maven_flags+=(-o); shift ;;
    -h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "chaos.sh: unknown option '$1' (--help lists them)" >&2; exit 2 ;;
  esac
done

log_dir=launcher/target/node-processes
mkdir -p "$log_dir"
output="$log_dir/chaos-run-$(date -u +%Y%m%dT%H%M%SZ).log"
echo "chaos: $orders orders at $rate/s, faults $faults, drain ${drain}s; Maven output in $output"
started=$(date +%s)
status=0
mvn "${maven_flags[@]}" test -pl launcher -am -Dtest=ChaosTest -Dsurefire.failIfNoSpecifiedTests=false \
  -Dchaos.orders="$orders" -Dchaos.rate="$rate" -Dchaos.faults="$faults" -Dchaos.drainSeconds="$drain" \
  -Dchaos.enforceTimingTargets=true \
  "${extra[@]}" >"$output" 2>&1 || status=$?
echo "chaos: took $(( $(date +%s) - started )) s"

report=$(grep -o 'chaos report: .*' "$output" | tail -1 | sed 's/^chaos report: //')
if [ -n "$report" ] && [ -f "$report" ]; then
  cat "$report"
else
  echo "chaos: no report was written (the cluster did not start?); the end of the Maven output:" >&2
  tail -60 "$output" >&2
fi
exit "$status"
