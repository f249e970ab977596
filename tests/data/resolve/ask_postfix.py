#!/usr/bin/env python3
# Ask Postfix's own trivial-rewrite (the oracle) for rewrite/resolve answers.
# Not used by the tests; it is how their rows were made (see README). Root only.
# usage: ask_postfix.py [-o name=value]... REQ...
#   REQ: "r:ADDR" rewrite (local), "R:ADDR" rewrite (remote), "s:ADDR" resolve
import os, shutil, subprocess, sys, tempfile

TR = '/usr/lib/postfix/sbin/trivial-rewrite'
args = sys.argv[1:]
extra = []
while args and args[0] == '-o':
    extra.append(args[1])
    args = args[2:]
work = tempfile.mkdtemp(prefix='ask-postfix-')
os.makedirs(work + '/queue')
os.makedirs(work + '/dev')
for dev in ('null', 'zero', 'random', 'urandom'):
    subprocess.run(['cp', '-a', '/dev/' + dev, work + '/dev/'], check=True)
with open(work + '/main.cf', 'w') as f:
    f.write('queue_directory = %s/queue\nmyhostname = mx.example.test\n'
            'mydomain = example.test\ncompatibility_level = 3.6\n' % work)
    for e in extra:
        f.write(e.replace('=', ' = ', 1) + '\n')
listener = ('import socket,sys\ns=socket.socket(socket.AF_UNIX,socket.SOCK_DGRAM)\n'
            's.bind("/dev/log");s.settimeout(3)\n'
            'try:\n while True: sys.stderr.write(s.recv(4096).decode(errors="replace")+"\\n")\n'
            'except Exception: pass\n')
script = 'mount --bind %s/dev /dev; python3 -c \'%s\' & sleep 0.3; ' % (work, listener)
for i, a in enumerate(args):
    kind, addr = a[0], a[2:].encode()
    if kind in 'rR':
        req = (b'request\0rewrite\0rule\0' + (b'local' if kind == 'r' else b'remote') +
               b'\0address\0' + addr + b'\0\0')
    else:
        req = b'request\0resolve\0sender\0\0address\0' + addr + b'\0\0'
    with open('%s/req%d' % (work, i), 'wb') as f:
        f.write(req)
    script += ('MAIL_CONFIG=%s timeout 5 %s -S -n rewrite -t unix < %s/req%d > %s/out%d; '
               % (work, TR, work, i, work, i))
script += 'wait'
subprocess.run(['unshare', '-m', 'sh', '-c', script])
for i, a in enumerate(args):
    with open('%s/out%d' % (work, i), 'rb') as f:
        parts = f.read()[:-2].split(b'\0')
    names = [p.decode() for p in parts[0::2]]
    values = [p.decode() for p in parts[1::2]]
    print(repr(a[2:]), a[0], dict(zip(names, values)))
shutil.rmtree(work)
