"""Runs inside a cell for bench/dns.sh: times DNS lookups through the cell's responder with plain UDP
queries to the nameserver the cell sees (any address: the cell's ruleset redirects port 53 to its
responder). Prints the cached-lookup latency (the same name again and again) and the time for N
distinct names. Usage: dns_client.py CACHED-NAME ZONE N"""
import random
import socket
import statistics
import struct
import sys
import time

cached, zone, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.connect(("192.0.2.53", 53))
sock.settimeout(5)


def lookup(name):
    qid = random.randrange(65536)
    question = b"".join(bytes([len(l)]) + l.encode() for l in name.split(".")) + b"\0" + struct.pack(">HH", 1, 1)
    start = time.perf_counter()
    sock.send(struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0) + question)
    while True:
        answer = sock.recv(4096)
        if struct.unpack(">H", answer[:2])[0] == qid:
            break
    elapsed = time.perf_counter() - start
    if answer[3] & 0x0f != 0 or struct.unpack(">H", answer[6:8])[0] == 0:
        raise SystemExit(f"no address for {name}: rcode {answer[3] & 0x0f}")
    return elapsed


lookup(cached)
times = [lookup(cached) * 1e6 for _ in range(count)]
times.sort()
print(f"cached lookup, {count} times: median {statistics.median(times):.0f} us, "
      f"p90 {times[int(count * 0.9)]:.0f} us, p99 {times[int(count * 0.99)]:.0f} us")
start = time.perf_counter()
distinct = [lookup(f"n{i}-{random.randrange(1 << 30)}.{zone}") for i in range(count)]
total = time.perf_counter() - start
distinct.sort()
print(f"{count} distinct names: {total * 1000:.0f} ms in all, median {statistics.median(distinct) * 1e6:.0f} us, "
      f"p99 {distinct[int(count * 0.99)] * 1e6:.0f} us each")
