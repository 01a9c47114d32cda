#!/usr/bin/env python3
"""Submits one document to `cell-runner serve` RUNS times in a row and prints each round trip's wall
time in milliseconds, one per line (for bench/resident.sh and bench/compare.sh). A bench client: it
speaks the protocol of docs/serve.md without a JVM start of its own, so what it times is the server's
per-cell cost. Exits non-zero if any cell did not exit 0.
Usage: submit.py SOCKET DOCUMENT RUNS"""
import socket
import struct
import sys
import time


def read_exactly(sock, n):
    data = bytearray()
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise SystemExit("the server closed the connection")
        data += chunk
    return bytes(data)


def submit(path, document):
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.connect(path)
        sock.sendall(b"R" + struct.pack(">I", 1 + len(document)) + b"\0" + document)
        while True:
            kind, length = struct.unpack(">cI", read_exactly(sock, 5))
            payload = read_exactly(sock, length)
            if kind == b"X":
                return struct.unpack(">i", payload)[0]


def main():
    path, document, runs = sys.argv[1], open(sys.argv[2], "rb").read(), int(sys.argv[3])
    failed = 0
    for _ in range(runs):
        start = time.perf_counter()
        status = submit(path, document)
        print(f"{(time.perf_counter() - start) * 1000:.2f}", flush=True)
        failed += status != 0
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
