#!/usr/bin/env python3
"""Download one file in binary mode with Python's ftplib (plain ftp:// only).

  python3 scripts/ftplib-get.py ftp://user:pass@127.0.0.1:2121/ REMOTE_PATH LOCAL_PATH

Ferry's tests use it to prove that an independent client reads back exactly
what Ferry uploaded. REMOTE_PATH is sent as-is (relative to the login
directory unless it starts with "/"). Exits non-zero with the error on failure.
"""
import ftplib
import os
import sys
from urllib.parse import unquote, urlsplit


def main(argv):
    if len(argv) != 4:
        sys.exit("usage: ftplib-get.py URL REMOTE_PATH LOCAL_PATH")
    url, remote, local = argv[1:]
    parts = urlsplit(url)
    if parts.scheme != "ftp" or not parts.hostname:
        sys.exit("ftplib-get.py: only ftp://[user[:password]@]host[:port]/ URLs are supported: %r" % url)
    user = unquote(parts.username) if parts.username is not None else "anonymous"
    password = unquote(parts.password) if parts.password is not None else ""
    ftp = ftplib.FTP(timeout=30)
    try:
        ftp.connect(parts.hostname, parts.port or 21)
        ftp.login(user, password)
        with open(local, "wb") as out:
            ftp.retrbinary("RETR " + remote, out.write)
        ftp.quit()
    except (ftplib.Error, OSError, EOFError) as e:
        ftp.close()
        try:
            os.remove(local)  # no partial file left behind
        except OSError:
            pass
        sys.exit("ftplib-get.py: %s: %s" % (type(e).__name__, e))


if __name__ == "__main__":
    main(sys.argv)
