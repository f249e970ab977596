#!/usr/bin/python3
# A real libmilter milter (python3-milter) for the milter integration tests.
# Usage: test_milter.py inet:PORT@127.0.0.1 | unix:/path
# What it does is chosen by the recipient (daemon@: reject, bin@: tempfail
# at RCPT) or the Subject (at end of message); see tests/integration/milter_test.cc. Each callback also
# appends one line to $MILTER_TRACE (when set) so tests can check what the
# milter saw: "connect HOST ADDR", "macro NAME=VALUE", "header NAME: VALUE".
import os
import sys
import time

import Milter

TRACE = os.environ.get("MILTER_TRACE")


def trace(line):
    if TRACE:
        with open(TRACE, "a") as f:
            f.write(line + "\n")


class TestMilter(Milter.Base):
    def __init__(self):
        self.subject = ""

    @Milter.noreply
    def connect(self, hostname, family, hostaddr):
        trace("connect %s %s" % (hostname, hostaddr[0] if hostaddr else ""))
        for m in ("j", "{daemon_name}", "{client_addr}", "{client_name}", "_", "v"):
            trace("macro %s=%s" % (m, self.getsymval(m)))
        return Milter.CONTINUE

    def envfrom(self, mailfrom, *params):
        self.subject = ""
        trace("mail %s %s" % (mailfrom, self.getsymval("{mail_addr}")))
        return Milter.CONTINUE

    def envrcpt(self, to, *params):
        trace("rcpt %s %s" % (to, self.getsymval("{rcpt_addr}")))
        # System users, so that both Postern and Postfix accept them first.
        if to.lower().startswith("<daemon@"):
            return Milter.REJECT
        if to.lower().startswith("<bin@"):
            return Milter.TEMPFAIL
        return Milter.CONTINUE

    def header(self, name, value):
        trace("header %s: %s" % (name, value))
        if name.lower() == "subject":
            self.subject = value
        return Milter.CONTINUE

    def eom(self):
        trace("eom i=%s" % self.getsymval("i"))
        s = self.subject
        if "stall" in s:
            time.sleep(4)  # longer than the test's milter_content_timeout
        if "tempfail" in s:
            return Milter.TEMPFAIL
        if "custom" in s:
            self.setreply("554", "5.7.3", "custom rejection", "second line")
            return Milter.REJECT
        if "discard" in s:
            return Milter.DISCARD
        if "quarantine" in s:
            self.quarantine("test quarantine")
        if "headers" in s:
            self.addheader("X-Added", "added by milter")
            self.addheader("X-Inserted", "inserted at top", 0)
            self.chgheader("X-Change", 1, "changed by milter")
            self.chgheader("X-Delete", 1, "")
        if "rcpts" in s:
            self.addrcpt("<added@mx.example.test>")
            self.delrcpt("<removed@mx.example.test>")
        if "chgfrom" in s:
            self.chgfrom("<new-sender@example.org>")
        if "replacebody" in s:
            self.replacebody(b"Body replaced by the milter.\r\n")
        return Milter.CONTINUE


def main():
    Milter.factory = TestMilter
    Milter.set_flags(Milter.ADDHDRS | Milter.CHGHDRS | Milter.ADDRCPT | Milter.DELRCPT
                     | Milter.CHGFROM | Milter.CHGBODY | Milter.QUARANTINE)
    sys.stdout.flush()
    # A unix: socket must be writable by the chrooted daemons (mail_owner).
    os.umask(0)
    Milter.runmilter("testmilter", sys.argv[1], 60)


if __name__ == "__main__":
    main()
