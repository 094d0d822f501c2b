#!/usr/bin/env python3
"""Where a `rapidbyte run` spends its CPU, stage by stage, from a `perf script` dump.

Record (see README, "Measuring"; W^X off so perf can name JIT-compiled code):
  DOTNET_PerfMapEnabled=1 RAPIDBYTE_PERF_MAP=1 DOTNET_EnableWriteXorExecute=0 \
  RAPIDBYTE_CONNECTORS_DIR=connectors/target/wasm32-wasi/release \
    perf record -F 1999 -g -o run.data -- rapidbyte run PIPELINE.yaml
  perf script -i run.data -F comm,tid,time,period,ip,sym,dso > run.script
  scripts/perf-stages.py run.script            # DETAIL='host: sched' DEPTH=3 for call sites

Each sample goes to the stage of its innermost recognised frame: a guest function (by
crate: decode, Arrow build/read, PostgreSQL protocol, encode), a host method of ours
(copy in/out, IPC validation, sockets, scheduling), the JIT, or - for samples whose stack
ends in the kernel without a managed frame - the syscall it was in. Samples before the
first decoded row and after the last guest sample are start-up and shut-down. Seconds
are samples / 1999 (perf -F 1999 on cpu-clock). Precompiled (ReadyToRun) host code has
no names in the perf map: there, host import work shows as "wasmtime call overhead";
DOTNET_ReadyToRun=0 DOTNET_TieredCompilation=0 names it (start-up then grows).
"""
import sys, re, collections
path = sys.argv[1]

def samples():
    comm = None; frames = []; t = 0.0
    hdr = re.compile(r'^(\S.*?)\s+(\d+)\s+([\d.]+):\s+(\d+)\s*$')
    for line in open(path, errors='replace'):
        line = line.rstrip('\n')
        if not line:
            if comm is not None: yield comm, t, frames
            comm = None; frames = []; continue
        if not line.startswith('\t') and not line.startswith(' '):
            m = hdr.match(line)
            if m:
                comm = m.group(1).strip(); t = float(m.group(3)); frames = []
            continue
        s = line.strip()
        # "addr sym (dso)"
        parts = s.split(' ', 1)
        rest = parts[1] if len(parts) > 1 else ''
        i = rest.rfind(' (')
        sym, dso = (rest[:i], rest[i+2:-1]) if i >= 0 else (rest, '')
        frames.append((sym, dso))
    if comm is not None: yield comm, t, frames

all_ = list(samples())
# which cwasm is which
mod = {}
for comm, t, fr in all_:
    for sym, dso in fr:
        if dso.endswith('.cwasm') and dso not in mod:
            if 'source_postgres' in sym: mod[dso] = 'src'
            elif 'dest_postgres' in sym: mod[dso] = 'dst'

def guest_stage(side, sym):
    if side == 'src':
        if 'source_postgres' in sym and ('decode' in sym or 'read' in sym): return 'guest source: decode COPY rows'
        if 'arrow' in sym or 'BatchBuilder' in sym: return 'guest source: build/write Arrow IPC'
        if 'postgres_protocol' in sym or 'tokio_postgres' in sym or 'codec' in sym.lower() or 'bytes' in sym: return 'guest source: PG protocol/frames'
        return 'guest source: other'
    else:
        if 'arrow' in sym and 'reader' in sym: return 'guest dest: read/check Arrow IPC'
        if 'dest_postgres' in sym: return 'guest dest: encode COPY rows'
        if 'postgres_protocol' in sym or 'tokio_postgres' in sym or 'codec' in sym.lower() or 'bytes' in sym: return 'guest dest: PG protocol/frames'
        return 'guest dest: other'

HOST_RULES = [
    ('ArrowBatchValidator', 'host: IPC validation (ArrowBatchValidator)'),
    ('[Apache.Arrow]', 'host: IPC validation (ArrowBatchValidator)'),
    ('ArrowBatch::CopyOf', 'host: copy in (emit_batch)'),
    ('ResultSlot::TakeInto', 'host: copy out (next_batch/take)'),
    ('BatchChannel', 'host: batch channel'),
    ('HostSocket::Read', 'host: socket read (tcp_read)'),
    ('HostSocket::Write', 'host: socket write (tcp_write)'),
    ('HostSocket', 'host: socket engine/wake-ups'),
    ('SocketAsyncEngine', 'host: socket engine/wake-ups'),
    ('SocketAsyncContext', 'host: socket engine/wake-ups'),
    ('System.Net.Sockets', 'host: socket engine/wake-ups'),
    ('ReadinessWaiter', 'host: scheduling/poll/wake-ups'),
    ('ConnectorInstance', 'host: scheduling/poll/wake-ups'),
    ('EpochTicker', 'host: scheduling/poll/wake-ups'),
    ('ConnectorRuntime', 'host: scheduling/poll/wake-ups'),
    ('Wasmtime', 'host: wasmtime call overhead'),
    ('ImportContext', 'host: import dispatch'),
    ('Imports', 'host: import dispatch'),
    ('System.Threading', 'host: scheduling/poll/wake-ups'),
]

def classify(comm, fr):
    if comm.startswith('.NET Tiered Com') or any('libclrjit' in d for s, d in fr):
        return 'JIT compile'
    for sym, dso in fr:
        if dso.endswith('.cwasm'):
            side = mod.get(dso, '?')
            # a host import called from the guest? we got here only if no host rule matched deeper
            return guest_stage(side, sym)
        if 'IL_STUB_PInvoke' in sym: continue
        if 'IL_STUB_ReversePInvoke' in sym: return 'host: wasmtime call overhead'
        if dso.startswith('/tmp/perf-') or 'r2r' in dso or dso.endswith('.dll'):
            for key, cat in HOST_RULES:
                if key in sym: return cat
    # nothing recognised
    ks = ' '.join(x for x, d in fr if 'kallsyms' in d)
    if 'tcp_sendmsg' in ks or 'sock_write' in ks or '__sys_sendto' in ks: return 'host: socket write (syscall, no managed stack)'
    if 'tcp_recvmsg' in ks or '__sys_recvfrom' in ks: return 'host: socket read (syscall, no managed stack)'
    if 'epoll' in ks: return 'host: socket engine/wake-ups'
    if 'futex' in ks: return 'host: thread wake/sleep (futex, no managed stack)'
    if 'exc_page_fault' in ks: return 'page faults (no managed stack)'
    if 'mprotect' in ks or 'mmap' in ks or 'munmap' in ks: return 'mmap/mprotect (no managed stack)'
    if comm.startswith('.NET Sockets'): return 'host: socket engine/wake-ups'
    if any('libwasmtime' in d for s, d in fr): return 'host: wasmtime (other)'
    return 'other/unattributed (' + comm.split()[0] + (' ' + comm.split()[1] if len(comm.split())>1 else '') + ')'

# steady window: first emit_batch to last next_batch
first = last = None
# (first batch being decoded or emitted, to the last batch decoded, emitted, taken or encoded)
for comm, t, fr in all_:
    if any(('ArrowBatch::CopyOf' in s or 'CopyDecoder' in s) for s, d in fr):
        first = t if first is None else min(first, t)
    if any(('ArrowBatch::CopyOf' in s or 'CopyDecoder' in s or 'ResultSlot::TakeInto' in s or 'dest_postgres6writer' in s) for s, d in fr):
        last = t if last is None else max(last, t)
tot = collections.Counter(); win = collections.Counter()
n = len(all_)
for comm, t, fr in all_:
    c = classify(comm, fr)
    if first is not None and (t < first): c2 = 'start-up (before first guest sample)'
    elif last is not None and t > last: c2 = 'shut-down (after last guest sample)'
    else: c2 = None
    tot[c2 or c] += 1
print(f'samples {n}, window {last-first:.2f}s', file=sys.stderr)
import os
if os.environ.get('DETAIL'):
    det = collections.Counter()
    for comm, t, fr in all_:
        if t < first or t > last: continue
        c = classify(comm, fr)
        if c.startswith(os.environ['DETAIL']):
            named = [s for s, d in fr if d.startswith('/tmp/perf') or d.endswith('.cwasm')][:int(os.environ.get('DEPTH','2'))]
            leafdso = fr[0][1].split('/')[-1] if fr else ''
            det[(leafdso, ' <- '.join(x[:110] for x in named))] += 1
    for k, v in det.most_common(int(os.environ.get('TOP','25'))):
        print(f'{100.0*v/n:5.2f}% {k[0]:20s} {k[1]}')
wn = sum(k for c, k in tot.items() if not c.startswith(('start-up', 'shut-down')))
for c, k in sorted(tot.items(), key=lambda x: -x[1]):
    w = '' if c.startswith(('start-up', 'shut-down')) else f'{100.0*k/wn:5.1f}%'
    print(f'{k/1999:6.2f}s {100.0*k/n:5.1f}% {w:>7s}  {c}')
print(f'{wn/1999:6.2f}s in window, {n/1999:.2f}s total')
