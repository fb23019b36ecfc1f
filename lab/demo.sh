#!/usr/bin/env bash
# The pathmon demo on the embedded defaults: builds the NANOG 76 hackathon lab in network namespaces,
# lists its paths, probes every path from dev1 to dev2, shows what a delay and a failed link look like
# in the latency table and to ICMP/TCP targets, prints the link-cover plan, then runs the monitor (embedded PGlite) while one
# direction of one link fails: the incident names that link and direction. Ends with the report and
# the per-link replay from its history. Removes the lab on the way out, whatever happens. Needs root.
set -euo pipefail
cd "$(dirname "$0")/.."
bash lab/install-deps.sh

lab="demo$$"
topology=lab/topologies/nanog76.yaml
pathmon() { node dist/src/cli.js "$@"; }
data=$(mktemp -d /tmp/pathmon-demo.XXXXXX)
trap 'pathmon lab down --lab "$lab" >/dev/null 2>&1 || true; rm -rf "$data"' EXIT

step() { printf '\n== %s\n' "$*"; }
probe() { pathmon lab exec --lab "$lab" dev1 -- pathmon probe --topology "$topology" --from dev1 --to dev2 --count 50 --interval-ms 10 "$@"; }

step "pathmon lab up $topology"
pathmon lab up "$topology" --lab "$lab"

step "pathmon paths: every simple path from dev1 to dev2 and the hop addresses that pin it"
pathmon paths --topology "$topology" --from dev1 --to dev2

step "pathmon probe: one round, 50 probes per path, nothing impaired"
probe

step "pathmon lab impair R2 R4 --delay-ms 20: the four paths crossing R2-R4 gain 40 ms (out and back)"
pathmon lab impair --lab "$lab" R2 R4 --delay-ms 20
probe

step "pathmon lab impair R4 R6 --down: the four paths crossing R4-R6 lose everything"
pathmon lab impair --lab "$lab" R2 R4 --clear >/dev/null
pathmon lab impair --lab "$lab" R4 R6 --down
probe

step "pathmon lab status: namespaces, router processes, their counters and own overhead"
pathmon lab status --lab "$lab"

step "pathmon plan: walks from dev1 that cross every directed link twice and tell each one from the others"
pathmon lab impair --lab "$lab" R4 R6 --up >/dev/null
pathmon plan --topology "$topology" --prober dev1

step "pathmon probe --kind icmp / tcp: plain ICMP echo and a TCP handshake to dev2 (port 22 is closed: RST, reachable)"
pathmon lab exec --lab "$lab" dev1 -- pathmon probe --kind icmp --target 10.2.0.2 --count 20 --interval-ms 10
pathmon lab exec --lab "$lab" dev1 -- pathmon probe --kind tcp --target 10.2.0.2:22 --count 20 --interval-ms 10

step "pathmon run: the monitor, 2 s rounds, paths and ICMP/TCP targets, while one direction of one link (R4->R6) drops everything"
pathmon lab exec --lab "$lab" dev1 -- pathmon run --config lab/configs/nanog76-monitor.yaml --targets lab/configs/nanog76-targets.yaml \
  --targets lab/configs/nanog76-tcp-targets.yaml --data-dir "$data" --rounds 18 &
monitor=$!
sleep 12
echo "-- pathmon lab impair R4 R6 --down --one-way   (R6->R4 keeps working)"
pathmon lab impair --lab "$lab" R4 R6 --down --one-way >/dev/null
sleep 14
echo "-- pathmon lab impair R4 R6 --clear"
pathmon lab impair --lab "$lab" R4 R6 --clear >/dev/null
wait "$monitor"

step "pathmon report: per-path figures, time in each state, from the monitor's history"
pathmon report --data-dir "$data" --since 1h

step "pathmon localize --since 1h: the stored rounds replayed through the per-link estimator"
pathmon localize --data-dir "$data" --since 1h --topology "$topology"
