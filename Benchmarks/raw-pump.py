#!/usr/bin/env python3
"""The floor for a plain FTP download: the FTP dialogue with the server, then the data socket
read with recv_into into one reused 1 MiB buffer and thrown away (no file, no checks). The suite
times it beside ferry, curl and lftp as the fastest any client can take the bytes. Given a file
too, it writes each read there and fsyncs it at the end: the floor for a client that keeps the
bytes as durably as ferry does.

    Benchmarks/raw-pump.py ftp://user:password@host:port/path/of/file [FILE]
"""
import os
import socket
import sys
from urllib.parse import unquote, urlsplit


def main():
    url = urlsplit(sys.argv[1])
    control = socket.create_connection((url.hostname, url.port or 21))
    replies = control.makefile("rb")

    def reply():
        line = replies.readline()
        code = line[:3]
        while line[3:4] == b"-":  # a multi-line reply ends with "code " on its last line
            line = replies.readline()
            while not line.startswith(code + b" "):
                line = replies.readline()
        if not line[:1] in b"123":
            sys.exit("raw-pump: %s" % line.decode(errors="replace").strip())
        return line.decode(errors="replace")

    def send(command):
        control.sendall(command.encode() + b"\r\n")
        return reply()

    reply()
    send("USER " + unquote(url.username or "anonymous"))
    send("PASS " + unquote(url.password or ""))
    send("TYPE I")
    port = int(send("EPSV").split("|")[-2])
    data = socket.create_connection((url.hostname, port))
    send("RETR " + unquote(url.path.lstrip("/")))
    output = os.open(sys.argv[2], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644) if len(sys.argv) > 2 else None
    buffer = bytearray(1 << 20)
    view = memoryview(buffer)
    total = 0
    while True:
        count = data.recv_into(view)
        if count == 0:
            break
        total += count
        written = 0
        while output is not None and written < count:
            written += os.write(output, view[written:count])
    data.close()
    if output is not None:
        os.fsync(output)
        os.close(output)
    reply()
    send("QUIT")
    print(total)


main()
