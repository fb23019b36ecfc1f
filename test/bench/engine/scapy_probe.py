"""The hackathon's way to send a nested-GRE probe: scapy builds IP/GRE/IP/UDP/payload and send() puts it
on the wire, here COUNT times as fast as scapy goes. Run inside the bench's prober namespace.

usage: scapy_probe.py SOURCE RESPONDER COUNT   -> prints {"sent": N, "seconds": S}
"""
import json
import sys
import time

from scapy.all import GRE, IP, UDP, Raw, conf, send  # noqa: E402

source, responder, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
conf.verb = 0
payload = bytes.fromhex("504d4f4e01000000000000010000000000000000") + (0).to_bytes(8, "big")
packet = IP(src=source, dst=responder) / GRE() / IP(src=source, dst=source) / UDP(sport=40000, dport=40000) / Raw(payload)
start = time.monotonic()
send(packet, count=count)
seconds = time.monotonic() - start
print(json.dumps({"sent": count, "seconds": seconds}))
