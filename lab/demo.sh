#!/usr/bin/env bash
# The pathmon demo on the embedded defaults: builds the NANOG 76 hackathon lab in network namespaces,
# lists its paths, probes every path from dev1 to dev2, then shows what a delay and a failed link look
# like in the latency table. Removes the lab on the way out, whatever happens. Needs root.
set -euo pipefail
cd "$(dirname "$0")/.."
bash lab/install-deps.sh

lab="demo$$"
topology=lab/topologies/nanog76.yaml
pathmon() { node dist/src/cli.js "$@"; }
trap 'pathmon lab down --lab "$lab" >/dev/null 2>&1 || true' EXIT

step() { printf '\n== %s\n' "$*"; }
probe() { pathmon lab exec --lab "$lab" dev1 -- pathmon probe --topology "$topology" --from dev1 --to dev2 --count 50 --interval-ms 10 "$@"; }

step "pathmon lab up $topology"
pathmon lab up "$topology" --name "$lab"

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
