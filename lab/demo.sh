#!/usr/bin/env bash
# The pathmon demo on the embedded defaults: builds the NANOG 76 hackathon lab in network namespaces,
# lists its paths, probes every path from dev1 to dev2, shows what a delay and a failed link look like
# in the latency table and to ICMP/TCP targets, prints the link-cover plan, then runs the monitor (embedded PGlite) while one
# direction of one link fails: the incident names that link and direction; then the report and the
# per-link replay from its history. Last, syslog in and remediation out on a second lab whose routers
# run OSPF (FRR) and feed BGP-LS: a bad link is isolated by raising its OSPF cost, its ticket goes to a
# lab ticket desk, the routers' own logs are attached to the incident, the IGP's choice moves off the
# link, and resolving the ticket restores the cost once the probes say the link is healthy. Removes
# both labs on the way out, whatever happens. Needs root.
set -euo pipefail
cd "$(dirname "$0")/.."
bash lab/install-deps.sh

lab="demo$$"
lab2="demo$$r"
topology=lab/topologies/nanog76.yaml
pathmon() { node dist/src/cli.js "$@"; }
data=$(mktemp -d /tmp/pathmon-demo.XXXXXX)
trap 'for l in "$lab" "$lab2"; do pathmon lab down --lab "$l" >/dev/null 2>&1 || true; done; rm -rf "$data"' EXIT

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

# ---- Syslog in, remediation out ----------------------------------------------------------------------
pathmon lab down --lab "$lab" >/dev/null
# Waits until FILE has a line matching REGEX (extended), at most SECONDS; prints the line.
wait_for() {
  local file=$1 regex=$2 seconds=$3 what=$4
  for _ in $(seq "$seconds"); do
    if grep -Eq "$regex" "$file" 2>/dev/null; then grep -Em1 "$regex" "$file"; return 0; fi
    sleep 1
  done
  echo "demo: no $what after ${seconds} s; the monitor's last lines:" >&2
  tail -20 "$data/remediate.log" >&2
  return 1
}
# Where the IGP sends R1's traffic to R6, as BGP-LS tells the prober (ExaBGP in dev1): the paths table
# with each path's IGP cost, the cheapest starred.
igp_choice() { pathmon lab exec --lab "$lab2" dev1 -- pathmon paths --topology "$spec" --from R1 --to R6 --mode direct --wait-ms 60000; }

step "pathmon lab up --bgp-ls --syslog: routers run OSPF (FRR), BGP-LS feeds dev1, each router's ospfd logs go to dev1 over syslog"
pathmon lab up "$topology" --lab "$lab2" --bgp-ls --syslog 10.2.0.0:5514 | tee "$data/lab2.txt"
spec=$(sed -n 's/^topology spec: //p' "$data/lab2.txt")
desk_key="demo-desk-$$"
cat > "$data/remediate.yaml" <<YAML
topology: $PWD/$topology
prober: { node: dev1 }
probing: { interval: 1500ms, probesPerRound: 5, probeSpacingMs: 20, timeout: 400ms }
thresholds: { delayMs: 40, lossPct: 20 }
linkThresholds: { lossPct: 2, addedDelayMs: 5 }
hysteresisRounds: 2
localize: { enabled: true, probesPerWalk: 20, probeSpacingMs: 5 }
groups: [ { name: lab, endpoints: [dev2] } ]
syslog: { tcp: "0.0.0.0:5514" }
notifiers:
  freshdesk: { baseUrl: "http://127.0.0.1:8089", apiKey: { env: PATHMON_LAB_DESK_KEY }, requesterEmail: noc@example.net }
remediation:
  workers: 2
  rules:
    - name: isolate-broken-links
      match: { incident: { link: "*", change: [opened] } }
      isolate:
        isolate: { argv: ["$(command -v node)", "$PWD/dist/lab/remediate/ospf-cost.js", --lab, "$lab2", --link, "{link}", --cost, "65535"], timeoutMs: 30000 }
        restore: { argv: ["$(command -v node)", "$PWD/dist/lab/remediate/ospf-cost.js", --lab, "$lab2", --link, "{link}", --restore], timeoutMs: 30000 }
        ticket: { subject: "data center: please repair {link}", description: "{summary}" }
        pollIntervalMs: 1000
        verifyTimeoutMs: 90000
YAML
echo "rule: an incident on any link -> raise its OSPF cost to 65535 (vtysh), ticket the data-center team, poll, restore when resolved"
export PATHMON_LAB_DESK_KEY=$desk_key
node dist/src/cli.js lab exec --lab "$lab2" dev1 -- pathmon lab desk --port 8089 > "$data/desk.txt" &
node dist/src/cli.js lab exec --lab "$lab2" dev1 -- pathmon run --config "$data/remediate.yaml" --data-dir "$data/remediate" 2> "$data/remediate.log" &
monitor=$!
wait_for "$data/remediate.log" 'syslog receiver' 60 "syslog receiver"
for _ in $(seq 90); do [ "$(grep -c 'new -> UP' "$data/remediate.log")" -ge 8 ] && break; sleep 1; done
echo "-- the IGP's choice from R1 to R6 before: four equal-cost paths"
igp_choice

sleep 6
echo "-- pathmon lab impair R4 R6 --delay-ms 60   (the link stays up for OSPF, but it is bad)"
pathmon lab impair --lab "$lab2" R4 R6 --delay-ms 60 >/dev/null
wait_for "$data/desk.txt" 'opened.*R4' 120 "incident ticket"
wait_for "$data/desk.txt" 'opened.*data center' 120 "data-center ticket"
echo "-- pathmon lab impair R4 R6 --down, then --up: ospfd on R4 and R6 log the adjacency going down"
pathmon lab impair --lab "$lab2" R4 R6 --down >/dev/null
sleep 8
pathmon lab impair --lab "$lab2" R4 R6 --up >/dev/null
wait_for "$data/desk.txt" 'note on ticket #[0-9]+: Device events' 90 "device events noted on the incident ticket"
echo "-- the adjacency is back with cost 65535: BGP-LS carries it, and the IGP's choice moves off R4-R6"
for _ in $(seq 12); do igp_choice > "$data/igp.txt" && grep -q ' 655[0-9][0-9] ' "$data/igp.txt" && break; sleep 5; done
cat "$data/igp.txt"

step "pathmon events: the routers' syslog, correlated with the node, the link and the incident"
pathmon events --data-dir "$data/remediate" --since 1h --code 'OSPF*' --limit 6

step "the data-center team repairs R4-R6 and resolves its ticket; pathmon restores the cost once the probes say the link is healthy"
pathmon lab impair --lab "$lab2" R4 R6 --clear >/dev/null
ticket=$(sed -n 's/^desk: ticket #\([0-9]*\) opened.*data center.*/\1/p' "$data/desk.txt" | head -1)
pathmon lab exec --lab "$lab2" dev1 -- curl -sS -o /dev/null -w "PUT ticket #$ticket {status: 4 resolved}: HTTP %{http_code}\n" -u "$desk_key:X" -X PUT \
  -H 'Content-Type: application/json' -d '{"status":4}' "http://127.0.0.1:8089/api/v2/tickets/$ticket"
wait_for "$data/remediate.log" 'isolation .* closed' 150 "closed isolation"
cat "$data/desk.txt"

step "pathmon actions: each action run, its state, duration and output, and the isolation"
pathmon actions --data-dir "$data/remediate" --since 1h
echo "-- the IGP's choice after the restore"
igp_choice
kill -TERM "$monitor"
wait "$monitor" || true
