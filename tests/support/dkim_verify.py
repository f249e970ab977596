#!/usr/bin/python3
# Verify the DKIM signatures of the messages in an mbox (python3-dkim) with
# the public key from opendkim-genkey's TXT file instead of DNS.
# Usage: dkim_verify.py MBOX SELECTOR.txt
# Prints one line per message ("ok" or "fail: ...") and exits 0 only when
# every message has a DKIM-Signature that verifies.
import re
import sys

import dkim


def main():
    mbox = open(sys.argv[1], "rb").read()
    txt = open(sys.argv[2], "r").read()
    record = "".join(re.findall(r'"([^"]*)"', txt)).encode()

    def dnsfunc(name, timeout=5):
        return record

    messages = re.split(rb"(?m)^From [^\n]*\n", mbox)
    messages = [m for m in messages if m.strip()]
    if not messages:
        print("fail: no messages")
        return 1
    bad = 0
    for m in messages:
        # mbox stores LF line ends and quotes ">From "; DKIM signed CRLF.
        m = re.sub(rb"(?m)^>(>*From )", rb"\1", m)
        if m.endswith(b"\n\n"):
            m = m[:-1]  # the empty line that separates mbox messages
        m = m.replace(b"\n", b"\r\n")
        if b"DKIM-Signature:" not in m:
            print("fail: no DKIM-Signature")
            bad += 1
            continue
        try:
            ok = dkim.verify(m, dnsfunc=dnsfunc)
        except Exception as e:  # a broken signature raises
            ok = False
            print("fail: %s" % e)
        print("ok" if ok else "fail: does not verify")
        bad += 0 if ok else 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
