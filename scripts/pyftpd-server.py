#!/usr/bin/env python3
"""Minimal pyftpdlib server for Ferry's interoperability tests.

Started by scripts/interop-servers; binds 127.0.0.1 only.

  pyftpd-server.py --port 2123 --root DIR --user U --password P \
                   [--tls --cert CERT --key KEY] [--passive-range 30300-30399]
"""
import argparse
import logging
import sys

from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import FTPHandler
from pyftpdlib.servers import FTPServer


def parse_range(text):
    low, _, high = text.partition("-")
    low, high = int(low), int(high or low)
    if not (0 < low <= high < 65536):
        raise argparse.ArgumentTypeError("bad port range: %r" % text)
    return list(range(low, high + 1))


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--root", required=True)
    ap.add_argument("--user", default="ferrytest")
    ap.add_argument("--password", default="ferrytest-pw")
    ap.add_argument("--tls", action="store_true",
                    help="explicit TLS (AUTH TLS) required on control and data")
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--passive-range", type=parse_range)
    args = ap.parse_args()

    logging.basicConfig(stream=sys.stderr, level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(message)s")

    authorizer = DummyAuthorizer()
    authorizer.add_user(args.user, args.password, args.root, perm="elradfmwMT")

    if args.tls:
        if not (args.cert and args.key):
            ap.error("--tls needs --cert and --key")
        from pyftpdlib.handlers import TLS_FTPHandler  # needs pyopenssl

        class Handler(TLS_FTPHandler):
            pass

        Handler.certfile = args.cert
        Handler.keyfile = args.key
        Handler.tls_control_required = True
        Handler.tls_data_required = True
    else:
        class Handler(FTPHandler):
            pass

    Handler.authorizer = authorizer
    Handler.banner = "pyftpdlib ready (Ferry interop%s)" % (", TLS" if args.tls else "")
    if args.passive_range:
        Handler.passive_ports = args.passive_range

    server = FTPServer((args.host, args.port), Handler)
    server.serve_forever()


if __name__ == "__main__":
    main()
