#!/usr/bin/env python3
"""An FTPS server on 127.0.0.1 that misbehaves in one named way, for the interop tests.

    tls-scenario-server.py SCENARIO PORT_FILE CERT KEY

Writes the port it listens on to PORT_FILE, serves explicit TLS (AUTH TLS) to any user and
password, and stops after 30 seconds without a new connection. Scenarios:

    prot-refused       PROT P is answered 536
    cut-retr           no SIZE, MDTM or MLST; RETR sends 5000 bytes, then closes the TLS data
                       connection without close_notify, then answers 226
    trickled-reply     once TLS is up, each reply is sent one byte every half second
"""
import socket
import ssl
import sys
import threading
import time

scenario, port_file, cert, key = sys.argv[1:5]
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(cert, key)


class Session:
    def __init__(self, connection):
        self.connection = connection
        self.protected = False
        self.listener = None

    def reply(self, text):
        self.connection.sendall(text.encode("latin-1"))

    def passive(self):
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(1)
        self.listener.settimeout(10)
        return self.listener.getsockname()[1]

    def data_connection(self):
        data, _ = self.listener.accept()
        self.listener.close()
        return context.wrap_socket(data, server_side=True) if self.protected else data

    def handle(self, verb, argument):
        if verb == "AUTH":
            self.reply("234 Go ahead.\r\n")
            if scenario == "trickled-reply":
                self.connection = TricklingConnection(self.connection)
            else:
                self.connection = context.wrap_socket(self.connection, server_side=True)
        elif verb == "FEAT":
            self.reply("211-Features:\r\n EPSV\r\n PBSZ\r\n PROT\r\n UTF8\r\n211 End\r\n")
        elif verb == "USER":
            self.reply("331 Password please.\r\n")
        elif verb == "PASS":
            self.reply("230 Logged in.\r\n")
        elif verb == "PROT":
            if scenario == "prot-refused":
                self.reply("536 Data protection is not offered.\r\n")
            else:
                self.protected = argument.upper() == "P"
                self.reply("200 PROT set.\r\n")
        elif verb in ("PBSZ", "TYPE", "OPTS", "NOOP"):
            self.reply("200 OK.\r\n")
        elif verb == "PWD":
            self.reply('257 "/" is the current folder.\r\n')
        elif verb == "CWD":
            self.reply("550 Not a folder.\r\n" if argument.endswith(".bin") else "250 OK.\r\n")
        elif verb == "EPSV":
            self.reply("229 Entering Extended Passive Mode (|||%d|)\r\n" % self.passive())
        elif verb == "NLST":
            self.reply("150 Here is the list.\r\n")
            data = self.data_connection()
            data.sendall(argument.encode("latin-1") + b"\r\n")
            data.unwrap().close()
            self.reply("226 Done.\r\n")
        elif verb == "RETR" and scenario == "cut-retr":
            self.reply("150 Here it comes.\r\n")
            data = self.data_connection()
            data.sendall(b"x" * 5000)
            data.close()  # no unwrap(): the TCP connection ends without close_notify
            self.reply("226 Transfer complete.\r\n")
        elif verb == "QUIT":
            self.reply("221 Bye.\r\n")
            return False
        else:
            self.reply("502 Not implemented.\r\n")
        return True


class TricklingConnection:
    """TLS through memory buffers, so that each reply goes out as one record whose bytes are
    sent one every half second: the client's TLS library hands over nothing until all of it
    has come, while each socket read gets a byte well within its timeout."""

    def __init__(self, raw):
        self.raw = raw
        self.incoming = ssl.MemoryBIO()
        self.outgoing = ssl.MemoryBIO()
        self.tls = context.wrap_bio(self.incoming, self.outgoing, server_side=True)
        while True:
            try:
                self.tls.do_handshake()
                break
            except ssl.SSLWantReadError:
                self.raw.sendall(self.outgoing.read())
                self.receive()
        self.raw.sendall(self.outgoing.read())

    def receive(self):
        data = self.raw.recv(65536)
        if not data:
            raise OSError("closed")
        self.incoming.write(data)

    def sendall(self, data):
        self.tls.write(data)
        for byte in self.outgoing.read():
            self.raw.sendall(bytes([byte]))
            time.sleep(0.5)

    def recv(self, size):
        while True:
            try:
                return self.tls.read(size)
            except ssl.SSLWantReadError:
                self.receive()

    def close(self):
        self.raw.close()


def serve(connection):
    session = Session(connection)
    try:
        session.reply("220 Scenario %s.\r\n" % scenario)
        pending = b""
        while True:
            chunk = session.connection.recv(4096)
            if not chunk:
                return
            pending += chunk
            while b"\n" in pending:
                line, pending = pending.split(b"\n", 1)
                verb, _, argument = line.rstrip(b"\r").decode("latin-1").partition(" ")
                if not session.handle(verb.upper(), argument):
                    return
    except (OSError, ssl.SSLError):
        pass
    finally:
        session.connection.close()


listener = socket.socket()
listener.bind(("127.0.0.1", 0))
listener.listen(8)
listener.settimeout(30)
with open(port_file, "w") as file:
    file.write(str(listener.getsockname()[1]))
while True:
    try:
        connection, _ = listener.accept()
    except socket.timeout:
        break
    threading.Thread(target=serve, args=(connection,), daemon=True).start()
