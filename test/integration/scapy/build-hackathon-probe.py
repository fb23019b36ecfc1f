# Builds the NANOG 76 hackathon deck's probe for R1-R2-R4-R6 exactly as the deck's scapy did
# (test/fixtures/seed-hackathon/README.md) and prints it as hex, so pathmon's decoders are checked
# against bytes they did not produce. Usage: build-hackathon-probe.py <time string payload>
import sys
import logging

logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
from scapy.all import GRE, IP, UDP, Raw, raw  # noqa: E402

src = "20.0.0.2"
pkt = (
    IP(src=src, dst="20.0.0.1")
    / GRE() / IP(src=src, dst="10.1.1.1")
    / GRE() / IP(src=src, dst="10.1.1.5")
    / GRE() / IP(src=src, dst="10.1.1.13")
    / GRE() / IP(src=src, dst="20.0.0.6")
    / GRE() / IP(src=src, dst="20.0.0.2", proto=17)
    / UDP(sport=3000, dport=3000)
    / Raw(sys.argv[1].encode())
)
print(raw(pkt).hex())
