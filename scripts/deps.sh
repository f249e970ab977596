#!/usr/bin/env bash
# Install what Postern needs to build and test on Debian 12 (run as root).
# Debian's postfix is installed as the oracle, unconfigured and not started;
# unbound is the DNS server the DNS tests start for themselves
# (tests/integration/dns_fixture.h), its system service is not started either.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git
  libevent-dev libssl-dev libsasl2-dev libdb-dev libpcre2-dev libicu-dev catch2
  db-util sasl2-bin libsasl2-modules openssl swaks libnet-ssleay-perl python3
  postfix postfix-pcre pflogsumm memcached postfix-policyd-spf-perl dovecot-imapd bsd-mailx
  opendkim opendkim-tools python3-milter python3-dkim
  unbound
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  export DEBIAN_FRONTEND=noninteractive
  echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
  # Keep package scripts from starting the oracle as a system service.
  added_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    added_policy=1
  fi
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
  if [ "$added_policy" = 1 ]; then rm -f /usr/sbin/policy-rc.d; fi
fi

getent group postdrop >/dev/null || groupadd --system postdrop
getent passwd postfix >/dev/null || \
  useradd --system --home-dir /var/spool/postfix --shell /usr/sbin/nologin --user-group postfix
