#!/usr/bin/env bash
# Installs what pathmon, its lab and its tests need on a fresh Debian 12 machine, then builds pathmon.
# Idempotent and quiet when everything is already there; used by the demo and by CI alike.
#   iproute2          network namespaces and veth links for the lab
#   python3-scapy     the independent packet encoder the codec tests compare against
#   python3-networkx  the peer of the path-enumeration benchmark
#   tshark            dissects pathmon's packets in the codec tests
#   g++ make python3  node-gyp builds raw-socket's and cap's native addons
#   libpcap-dev       cap (packet capture) links against libpcap
#   exabgp            pathmon's BGP-LS receiver, run as a child process
#   frr               the lab's real IGP (ospfd), whose TE database feeds the lab's BGP-LS originator
#   gobgpd golang-github-osrg-gobgp-dev   the lab's BGP-LS speaker and its gRPC .proto files
#   chromium          the dashboard's browser tests (driven by playwright-core)
#   prometheus        promtool checks /metrics and the alert rules; a real Prometheus scrapes pathmon in a test
#   systemd           systemd-analyze verifies the service unit
#   libcap2-bin       setcap, for the test that runs pathmon unprivileged with CAP_NET_RAW
#   fping nmap        the peers of the ICMP and TCP probe benchmark (fping, nping)
#   nftables          drops a port in the probe-kind tests (a filtered port is loss)
#   iptables          the lab routers queue plain IP on impaired links to their forwarder (NFQUEUE rules)
#   iputils-ping      kernel ping in the plain-IP lab test
#   rsyslog bsdutils  a real syslog client and receiver for the syslog tests and the ingest benchmark's peer
#   openssl           makes the certificate of the syslog TLS test
#   curl              the demo resolves a lab ticket through the lab desk's API, as a data-center team would
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(iproute2 procps python3-scapy python3-networkx tshark g++ make python3 libpcap-dev
  exabgp frr gobgpd golang-github-osrg-gobgp-dev chromium prometheus systemd libcap2-bin
  fping nmap nftables iptables iputils-ping rsyslog bsdutils openssl curl)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "pathmon: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
npm run build --silent
