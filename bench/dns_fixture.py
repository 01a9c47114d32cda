"""A DNS server for bench/dns.sh: answers every A query for a name under the zone given with one
address (198.51.100.1-250, chosen by the name), TTL 300; AAAA and everything else empty. Usage:
dns_fixture.py PORT ZONE. Prints "ready" once listening on 127.0.0.1:PORT (UDP)."""
import socket
import struct
import sys
import zlib

port, zone = int(sys.argv[1]), sys.argv[2].lower()
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.bind(("127.0.0.1", port))
print("ready", flush=True)
while True:
    data, client = sock.recvfrom(4096)
    at, labels = 12, []
    while data[at]:
        labels.append(data[at + 1:at + 1 + data[at]].decode("latin-1"))
        at += 1 + data[at]
    qtype = struct.unpack(">H", data[at + 1:at + 3])[0]
    name = ".".join(labels).lower()
    known = name == zone or name.endswith("." + zone)
    answer = b""
    if known and qtype == 1:
        address = bytes([198, 51, 100, 1 + zlib.crc32(name.encode()) % 250])
        answer = b"\xc0\x0c" + struct.pack(">HHIH", 1, 1, 300, 4) + address
    header = struct.pack(">HHHHHH", struct.unpack(">H", data[:2])[0], 0x8180 | (0 if known else 3), 1,
                         1 if answer else 0, 0, 0)
    sock.sendto(header + data[12:at + 5] + answer, client)
