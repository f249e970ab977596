#!/usr/bin/env bash
# The README's run command: build Postern and start a self-contained mail
# system whose config, queue, mailboxes and log all live under
# build/instance/ (nothing under /etc/postfix or /var is touched).
#   sudo scripts/run.sh          # start (or restart) the instance
#   sudo scripts/run.sh stop     # stop it
# SMTP listens on 127.0.0.1:$POSTERN_SMTP_PORT (default 2525) once smtpd is
# built; local mail is delivered to build/instance/mail/USER (mbox).
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD
inst=$top/build/instance
port=${POSTERN_SMTP_PORT:-2525}
postfix=$top/build/sbin/postfix

if [ "${1:-}" = stop ]; then
  exec "$postfix" -c "$inst/etc" stop
fi

if [ "$(id -u)" != 0 ]; then
  echo "run.sh: run me as root (master binds ports and switches users)" >&2
  exit 1
fi
scripts/deps.sh
cmake -S . -B build -G Ninja
cmake --build build -j "$(nproc)"

# A running instance is stopped first, so a rebuilt one starts fresh.
if [ -f "$inst/etc/main.cf" ]; then
  "$postfix" -c "$inst/etc" status >/dev/null 2>&1 && "$postfix" -c "$inst/etc" stop || true
fi

mkdir -p "$inst/etc" "$inst/queue" "$inst/data" "$inst/mail"
chmod 1777 "$inst/mail"

# main.cf is written once: edit it freely afterwards (postconf -c ... -e).
if [ ! -f "$inst/etc/main.cf" ]; then
  cat >"$inst/etc/main.cf" <<EOF
# Postern's self-contained instance (scripts/run.sh).
compatibility_level = 3.6
queue_directory = $inst/queue
data_directory = $inst/data
command_directory = $top/build/sbin
daemon_directory = $top/build/libexec/postfix
mail_spool_directory = $inst/mail
maillog_file = $inst/maillog
maillog_file_prefixes = $inst
myhostname = localhost.localdomain
mydestination = \$myhostname, localhost.\$mydomain, localhost
inet_interfaces = loopback-only
mynetworks_style = host
alias_maps = hash:$inst/etc/aliases
alias_database = hash:$inst/etc/aliases
EOF
  printf 'postmaster: root\nmailer-daemon: postmaster\n' >"$inst/etc/aliases"
fi

# master.cf: the default service list; SMTP on a loopback port, and only
# once the smtpd daemon exists (until then submit with sendmail).
sed_smtp="s|^smtp      inet .*|127.0.0.1:$port inet n - y - - smtpd|"
[ -x "$top/build/libexec/postfix/smtpd" ] || sed_smtp="s|^smtp      inet |#smtp      inet |"
sed -e "$sed_smtp" conf/master.cf >"$inst/etc/master.cf"

"$top/build/sbin/postalias" -c "$inst/etc" "hash:$inst/etc/aliases"
"$postfix" -c "$inst/etc" start

cat <<EOF

Postern is running: config $inst/etc, queue $inst/queue, log $inst/maillog.

Send a message to root:
  printf 'Subject: hello\n\nIt works.\n' | $top/build/sbin/sendmail -C $inst/etc root
EOF
if [ -x "$top/build/libexec/postfix/smtpd" ]; then
  echo "  or by SMTP:  swaks --server 127.0.0.1:$port --to root@localhost"
fi
cat <<EOF
Read it:      cat $inst/mail/root
Queue:        $top/build/sbin/postqueue -c $inst/etc -p
Log:          tail $inst/maillog
Stop:         scripts/run.sh stop
EOF
