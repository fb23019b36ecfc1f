# Dissects one IPv4 packet given as hex on stdin and prints JSON: every layer scapy sees with its
# addresses, ports and checksums, and the IPv4/UDP checksums scapy computes itself when the fields
# are deleted and the packet rebuilt. The test compares both against pathmon's encoder.
import json
import logging
import sys

logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
from scapy.all import GRE, IP, UDP, Raw, raw  # noqa: E402

data = bytes.fromhex(sys.stdin.read().strip())


def layers(pkt):
    out = []
    while pkt is not None and pkt.__class__.__name__ != "NoPayload":
        entry = {"name": pkt.__class__.__name__}
        if isinstance(pkt, IP):
            entry.update(src=pkt.src, dst=pkt.dst, proto=pkt.proto, len=pkt.len, ttl=pkt.ttl,
                         flags=int(pkt.flags), chksum=pkt.chksum)
        elif isinstance(pkt, GRE):
            entry.update(proto=pkt.proto, chksum_present=pkt.chksum_present, version=pkt.version)
        elif isinstance(pkt, UDP):
            entry.update(sport=pkt.sport, dport=pkt.dport, len=pkt.len, chksum=pkt.chksum)
        elif isinstance(pkt, Raw):
            entry.update(load=pkt.load.hex())
        out.append(entry)
        pkt = pkt.payload
    return out


rebuilt = IP(data)
layer = rebuilt
while layer is not None and layer.__class__.__name__ != "NoPayload":
    if isinstance(layer, (IP, UDP)):
        del layer.chksum
    layer = layer.payload
rebuilt_bytes = raw(rebuilt)

print(json.dumps({
    "layers": layers(IP(data)),
    "recomputed": layers(IP(rebuilt_bytes)),
    "rebuiltEqualsInput": rebuilt_bytes == data,
}))
