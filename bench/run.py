#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Time workloads under several tracers and write a Markdown report.

Each workload runs untraced, under bench-raw-ptrace (the least a ptrace
tracer can do, with and without PTRACE_GET_SYSCALL_INFO), under libutrace
with 1, 3 and 8 no-op engines, with one engine reading memory and with a
seccomp filter, under mstrace and under strace (also filtered), each
pinned to one CPU and unpinned.  Every combination runs --reps times, interleaved; the
report gives the median wall time, its spread, the CPU time, the syscall
stops each tracer took, the cost of a stop and ratios against the raw
loop and strace, then checks the performance targets.

    python3 bench/run.py --build-dir build --out doc/performance.md
    python3 bench/run.py --build-dir build --quick     # smoke run, stdout

Standard library only.  The workloads and tracers come from the build
directory (bench/, examples/mstrace/); strace from PATH.
"""

import argparse
import datetime
import json
import os
import platform
import re
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

SRC_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Seconds a single run may take before it is killed.
RUN_TIMEOUT = 120

# The syscall loop is the workload the targets are about.
LOOP = 'getppid'


class Workload:
    def __init__(self, key, label, make, full, quick):
        self.key = key
        self.label = label
        # make(bench_dir, size) -> argv
        self.make = make
        self.full = full
        self.quick = quick


# Trees the realistic job archives: a part of /usr/include, so that the
# default run stays within about 5 minutes (all of it is ~5x bigger).
TAR_FULL = ['/usr/include/linux', '/usr/include/c++',
            '/usr/include/x86_64-linux-gnu']
TAR_QUICK = ['/usr/include/linux']


def _tar_or_gcc(bench_dir, trees):
    trees = [t for t in trees if os.path.isdir(t)] or ['/usr/include']
    if shutil.which('tar'):
        return ['tar', 'cf', '/dev/null'] + trees
    # No tar: compile a small C file instead (cc1 and as are children).
    return ['gcc', '-O2', '-c', '-o', '/dev/null',
            os.path.join(SRC_ROOT, 'bench', 'bench-fork.c')]


WORKLOADS = [
    Workload('getppid', 'syscall loop',
             lambda b, n: [os.path.join(b, 'bench-getppid'), str(n)],
             10000, 1000),
    Workload('threads', 'the loop in 2 threads',
             lambda b, n: [os.path.join(b, 'bench-threads'), '2', str(n)],
             4000, 400),
    Workload('fork', 'fork, child exits, wait',
             lambda b, n: [os.path.join(b, 'bench-fork'), str(n)],
             120, 20),
    Workload('exec', 'fork, exec /bin/true, wait',
             lambda b, n: [os.path.join(b, 'bench-exec'), str(n)],
             30, 5),
    Workload('signal', 'raise(SIGUSR1) with a handler',
             lambda b, n: [os.path.join(b, 'bench-signal'), str(n)],
             2000, 200),
    Workload('tar', 'realistic job (gcc -c when tar is missing)',
             _tar_or_gcc, TAR_FULL, TAR_QUICK),
]


class Tracer:
    """How to run a workload under one tracer.

    prefix: argv put before the workload's, or None when not available
    (reason says why).  stops: 'self' when the tracer prints its syscall
    stops, 'count' when a counting run (-c) gives them.
    """

    def __init__(self, key, label, prefix=None, reason='', stops=None,
                 count_prefix=None):
        # Filtered tracers stop at a few calls only: no cost per stop.
        self.filtered = key.endswith('-filt')
        self.key = key
        self.label = label
        self.prefix = prefix
        self.reason = reason
        self.stops = stops
        self.count_prefix = count_prefix

    @property
    def available(self):
        return self.prefix is not None


def probe(argv):
    """Return code of a short command, None if it could not start."""
    try:
        return subprocess.run(argv, stdin=subprocess.DEVNULL,
                              stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL,
                              timeout=30).returncode
    except (OSError, subprocess.TimeoutExpired):
        return None


def make_tracers(build_dir):
    bench = os.path.join(build_dir, 'bench')
    raw = os.path.join(bench, 'bench-raw-ptrace')
    butrace = os.path.join(bench, 'bench-utrace')
    mstrace = os.path.join(build_dir, 'examples', 'mstrace', 'mstrace')
    strace = shutil.which('strace')
    notes = []
    tracers = [Tracer('none', 'untraced', prefix=[])]

    have_raw = os.access(raw, os.X_OK)
    tracers.append(Tracer('raw', 'raw ptrace loop',
                          prefix=[raw, '--'] if have_raw else None,
                          reason='bench-raw-ptrace not built', stops='self'))
    tracers.append(Tracer('raw-info', 'raw loop + GET_SYSCALL_INFO',
                          prefix=[raw, '-i', '--'] if have_raw else None,
                          reason='bench-raw-ptrace not built', stops='self'))

    have_utrace = os.access(butrace, os.X_OK)
    for n in (1, 3, 8):
        label = 'libutrace, %d no-op engine%s' % (n, 's' if n > 1 else '')
        tracers.append(Tracer('utrace%d' % n, label,
                              prefix=[butrace, str(n), 'noop', '--']
                              if have_utrace else None,
                              reason='bench-utrace not built',
                              stops='self'))
    tracers.append(Tracer('utrace-read', 'libutrace, 1 engine reading '
                          'syscall + 64 B',
                          prefix=[butrace, '1', 'read', '--']
                          if have_utrace else None,
                          reason='bench-utrace not built', stops='self'))
    tracers.append(Tracer('utrace8-blk', 'libutrace, 8 no-op engines, '
                          'host blocks SIGCHLD',
                          prefix=[butrace, '-b', '8', 'noop', '--']
                          if have_utrace else None,
                          reason='bench-utrace not built', stops='self'))

    if os.access(mstrace, os.X_OK):
        follow = ['-f'] if probe([mstrace, '-f', '-o', '/dev/null',
                                  'true']) == 0 else []
        if not follow:
            notes.append('mstrace has no `-f` yet: it ran without it and '
                         'traced only the first task (see its syscall '
                         'stops).')
        label = 'mstrace %s-o /dev/null' % ('-f ' if follow else '')
        tracers.append(Tracer('mstrace', label,
                              prefix=[mstrace] + follow + ['-o', '/dev/null',
                                                           '--'],
                              stops='count',
                              count_prefix=[mstrace] + follow + ['-c']))
    else:
        follow = []
        tracers.append(Tracer('mstrace', 'mstrace',
                              reason='mstrace not built (-Dexamples=false?)'))

    if strace:
        tracers.append(Tracer('strace', 'strace -f -o /dev/null',
                              prefix=[strace, '-f', '-o', '/dev/null', '--'],
                              stops='count',
                              count_prefix=[strace, '-f', '-c']))
    else:
        tracers.append(Tracer('strace', 'strace', reason='strace not found'))

    # Filtered: only openat, through a seccomp filter.
    filt = ['--seccomp-bpf', '-e', 'trace=openat']
    if strace and probe([strace, '-f'] + filt +
                        ['-o', '/dev/null', 'true']) == 0:
        tracers.append(Tracer('strace-filt', 'strace -f --seccomp-bpf '
                              '-e trace=openat',
                              prefix=[strace, '-f'] + filt +
                              ['-o', '/dev/null', '--'], stops='count',
                              count_prefix=[strace, '-f', '-c'] + filt))
    else:
        tracers.append(Tracer('strace-filt', 'strace --seccomp-bpf',
                              reason='strace without --seccomp-bpf'))
    if os.access(mstrace, os.X_OK) and probe(
            [mstrace] + follow + filt + ['-o', '/dev/null', 'true']) == 0:
        tracers.append(Tracer('mstrace-filt', 'mstrace --seccomp-bpf '
                              '-e trace=openat',
                              prefix=[mstrace] + follow + filt +
                              ['-o', '/dev/null', '--'], stops='count',
                              count_prefix=[mstrace] + follow + ['-c'] +
                              filt))
    else:
        tracers.append(Tracer('mstrace-filt', 'mstrace --seccomp-bpf '
                              '-e trace=openat',
                              reason='mstrace has no seccomp filter yet'))
    if have_utrace and probe([butrace, '1', 'filter', '--', 'true']) == 0:
        tracers.append(Tracer('utrace-filt', 'libutrace, 1 engine, seccomp '
                              'filter on openat',
                              prefix=[butrace, '1', 'filter', '--'],
                              stops='self'))
    else:
        tracers.append(Tracer('utrace-filt', 'libutrace, 1 engine, seccomp '
                              'filter on openat',
                              reason='libutrace has no seccomp filter here'))
    return tracers, notes


class Run:
    def __init__(self, wall, cpu, status, err):
        self.wall = wall
        self.cpu = cpu
        self.status = status
        self.err = err

    @property
    def ok(self):
        return os.WIFEXITED(self.status) and os.WEXITSTATUS(self.status) == 0


class Timeout(Exception):
    pass


def run_once(argv, cpus, err_path):
    """Fork, set the CPU affinity, exec argv; wall and CPU time of the
    whole tree (the tracer reaps its tracees, so their CPU counts)."""
    err_fd = os.open(err_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    null_fd = os.open(os.devnull, os.O_RDWR)
    start = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        try:
            os.setpgid(0, 0)
            os.sched_setaffinity(0, cpus)
            os.dup2(null_fd, 0)
            os.dup2(null_fd, 1)
            os.dup2(err_fd, 2)
            os.execvp(argv[0], argv)
        except BaseException:
            os.write(2, ('cannot run %s\n' % argv[0]).encode())
        os._exit(127)
    os.close(err_fd)
    os.close(null_fd)

    def expire(signum, frame):
        raise Timeout()

    old = signal.signal(signal.SIGALRM, expire)
    signal.alarm(RUN_TIMEOUT)
    try:
        _, status, usage = os.wait4(pid, 0)
    except Timeout:
        # The run's own process group: the tracer and what it started.
        try:
            os.killpg(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        _, status, usage = os.wait4(pid, 0)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
    wall = time.perf_counter() - start
    with open(err_path, errors='replace') as f:
        err = f.read()
    return Run(wall, usage.ru_utime + usage.ru_stime, status, err)


STOPS_RE = re.compile(r'^bench-(?:raw-ptrace: stops \d+ syscall-stops|'
                      r'utrace: stops) (\d+)', re.M)


def self_stops(err):
    m = STOPS_RE.findall(err)
    return int(m[-1]) if m else None


def count_stops(prefix, argv, tmp):
    """Syscall stops from a counting run (strace -c format): 2 x calls."""
    out = os.path.join(tmp, 'count.txt')
    try:
        if os.path.exists(out):
            os.unlink(out)
        subprocess.run(prefix + ['-o', out, '--'] + argv,
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=RUN_TIMEOUT)
        with open(out) as f:
            text = f.read()
    except (OSError, subprocess.TimeoutExpired):
        return None
    for line in text.splitlines():
        fields = line.split()
        if fields and fields[-1] == 'total' and len(fields) >= 5:
            try:
                return 2 * int(fields[3])
            except ValueError:
                return None
    return None


def fmt_s(x):
    return '%.3f' % x


def fmt_ratio(x):
    return '%.2f' % x if x is not None else ''


class Cell:
    """Statistics of one workload x tracer x placement."""

    def __init__(self, runs, stops):
        self.runs = runs
        self.failed = [r for r in runs if not r.ok]
        good = [r for r in runs if r.ok] or runs
        walls = sorted(r.wall for r in good)
        self.median = statistics.median(walls)
        self.lo = walls[0]
        self.hi = walls[-1]
        self.cpu = statistics.median(r.cpu for r in good)
        self.stops = stops


def measure(workloads, tracers, placements, reps, size_attr, bench_dir, tmp,
            log):
    """results[placement][workload][tracer] = Cell; stops[w][t]."""
    err_path = os.path.join(tmp, 'stderr.txt')
    avail = [t for t in tracers if t.available]
    results = {p: {w.key: {} for w in workloads} for p, _ in placements}
    stops = {w.key: {} for w in workloads}

    for w in workloads:
        argv = w.make(bench_dir, getattr(w, size_attr))
        for t in avail:
            if t.stops == 'count':
                stops[w.key][t.key] = count_stops(t.count_prefix, argv, tmp)
        for pname, cpus in placements:
            log('%s, %s: ' % (w.key, pname))
            run_once(argv, cpus, err_path)  # warm the caches
            runs = {t.key: [] for t in avail}
            for rep in range(reps):
                # Rotate the order so that no tracer always runs first.
                k = rep % len(avail)
                for t in avail[k:] + avail[:k]:
                    runs[t.key].append(run_once(t.prefix + argv, cpus,
                                                err_path))
                log('.')
            for t in avail:
                n = stops[w.key].get(t.key)
                if t.stops == 'self':
                    seen = [self_stops(r.err) for r in runs[t.key]]
                    seen = [s for s in seen if s is not None]
                    n = max(seen) if seen else None
                    stops[w.key][t.key] = n
                results[pname][w.key][t.key] = Cell(runs[t.key], n)
            log('\n')
    return results, stops


PROFILED = ('raw', 'raw-info', 'utrace1', 'utrace8', 'utrace8-blk',
            'utrace-read', 'mstrace', 'strace')


def perf_trace_works(tmp):
    perf = shutil.which('perf')
    if not perf:
        return None
    out = os.path.join(tmp, 'perf-probe.txt')
    if probe([perf, 'trace', '-s', '-o', out, '--', 'true']) != 0:
        return None
    try:
        with open(out) as f:
            return perf if 'Summary of events' in f.read() else None
    except OSError:
        return None


def parse_perf_summary(text, tracee):
    """Calls per syscall of every thread in a perf trace -s summary but
    the tracee's."""
    calls = {}
    comm = None
    for line in text.splitlines():
        m = re.match(r'^ (\S.*) \((\d+)\), \d+ events', line)
        if m:
            comm = m.group(1)
            continue
        f = line.split()
        if comm and comm != tracee and len(f) >= 3 and f[1].isdigit() \
                and re.match(r'^[a-z_0-9]+$', f[0]):
            calls[f[0]] = calls.get(f[0], 0) + int(f[1])
    return calls


def parse_strace_summary(text):
    calls = {}
    for line in text.splitlines():
        f = line.split()
        if len(f) >= 5 and re.match(r'^[0-9.]+$', f[0]) and f[-1] != 'total':
            calls[f[-1]] = int(f[3])
    return calls


def profile(build_dir, tracers, placements, tmp, n, log):
    """Syscalls of the tracer process (all its threads) per tracee syscall
    stop, on the syscall loop.  With perf trace -s: the whole run, in each
    placement.  Else strace -f -c -p, attached to the tracer while the
    workload sleeps before the loop, unpinned only (strace slows the
    tracer down a lot, so adaptive polling may behave differently).
    Returns [(title, tracers, {key: {syscall: calls}}, stops)]."""
    loop = os.path.join(build_dir, 'bench', 'bench-getppid')
    chosen = [t for t in tracers if t.available and t.key in PROFILED]
    perf = perf_trace_works(tmp)
    strace = shutil.which('strace')
    out = os.path.join(tmp, 'profile.txt')
    if os.path.exists(out):
        os.unlink(out)
    err_path = os.path.join(tmp, 'stderr.txt')
    results = []
    if perf:
        for pname, cpus in placements:
            table = {}
            for t in chosen:
                log('profile %s, %s\n' % (t.key, pname))
                argv = [perf, 'trace', '-s', '-o', out, '--', 'taskset',
                        '-c', ','.join(map(str, sorted(cpus)))] + \
                    t.prefix + [loop, str(n)]
                # Every stop takes a resume, and all but the raw loop
                # fetch the syscall info: fewer ptrace calls means perf
                # lost events.  Try again, then give up.
                want = (1 if t.key == 'raw' else 2) * 2 * n * 0.99
                for attempt in range(3):
                    run = run_once(argv, os.sched_getaffinity(0), err_path)
                    if not run.ok:
                        continue
                    with open(out) as f:
                        calls = parse_perf_summary(f.read(),
                                                   'bench-getppid')
                    if calls.get('ptrace', 0) >= want:
                        table[t.key] = calls
                        break
            results.append(('%s, `perf trace -s`' % pname,
                            [t for t in chosen if t.key in table], table,
                            2 * n))
        return results
    if not strace:
        return results
    workload = ['sh', '-c', 'sleep 1; exec "$0" "$1"', loop, str(n)]
    table = {}
    for t in chosen:
        log('profile %s\n' % t.key)
        with open(os.devnull, 'r+b') as null:
            tracer = subprocess.Popen(t.prefix + workload, stdin=null,
                                      stdout=null, stderr=null)
            time.sleep(0.3)
            spy = subprocess.Popen([strace, '-f', '-c', '-o', out, '-p',
                                    str(tracer.pid)], stdin=null,
                                   stdout=null, stderr=null)
            try:
                tracer.wait(timeout=RUN_TIMEOUT)
                spy.wait(timeout=RUN_TIMEOUT)
            except subprocess.TimeoutExpired:
                tracer.kill()
                spy.kill()
                tracer.wait()
                spy.wait()
                continue
        with open(out) as f:
            table[t.key] = parse_strace_summary(f.read())
    results.append(('unpinned, `strace -f -c -p` attached after start',
                    [t for t in chosen if t.key in table], table, 2 * n))
    return results


def machine_info(build_dir, load_before):
    info = []
    info.append(('Kernel', platform.release()))
    model = platform.processor() or '?'
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('model name'):
                    model = line.split(':', 1)[1].strip()
                    break
    except OSError:
        pass
    info.append(('CPU', '%s, %d online (`nproc`: %d)' % (
        model, os.cpu_count() or 0, len(os.sched_getaffinity(0)))))
    try:
        with open(os.path.join(build_dir, 'meson-info',
                               'intro-buildoptions.json')) as f:
            opts = {o['name']: o['value'] for o in json.load(f)}
        info.append(('Build', 'buildtype=%s, b_sanitize=%s, b_ndebug=%s '
                     '(workloads and raw loop: -O2, no sanitizer)' % (
                         opts.get('buildtype'), opts.get('b_sanitize'),
                         opts.get('b_ndebug'))))
    except (OSError, ValueError, KeyError):
        pass
    # The tree the build directory was configured from.
    src = SRC_ROOT
    try:
        with open(os.path.join(build_dir, 'meson-info',
                               'intro-buildsystem_files.json')) as f:
            files = [p for p in json.load(f)
                     if os.path.basename(p) == 'meson.build']
        if files:
            src = os.path.dirname(min(files, key=len))
    except (OSError, ValueError):
        pass
    try:
        rev = subprocess.run(['git', '-C', src, 'describe', '--always',
                              '--dirty'], capture_output=True, text=True,
                             timeout=10).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        rev = ''
    info.append(('Source', '`%s`' % rev if rev else
                 'unknown (%s is no git checkout)' % src))
    strace = shutil.which('strace')
    if strace:
        v = subprocess.run([strace, '-V'], capture_output=True,
                           text=True).stdout.splitlines()
        if v:
            info.append(('strace', v[0]))
    info.append(('Date', datetime.datetime.now().astimezone().strftime(
        '%Y-%m-%d %H:%M %Z')))
    info.append(('Load average (1 min) before / after', '%.2f / %.2f '
                 '(other load makes the unpinned numbers noisy)' % (
                     load_before, os.getloadavg()[0])))
    return info


def results_table(workloads, tracers, cells):
    lines = ['| Workload | Tracer | Wall s (median) | min–max | CPU s '
             '| Syscall stops | µs/stop | ×raw | ×strace |',
             '|---|---|--:|--:|--:|--:|--:|--:|--:|']
    for w in workloads:
        row = cells[w.key]
        base = row.get('none')
        raw = row.get('raw')
        st = row.get('strace')
        first = True
        for t in tracers:
            name = '**%s**' % w.key if first else ''
            first = False
            c = row.get(t.key)
            if c is None:
                lines.append('| %s | %s | n/a | | | | | | |' % (name,
                                                               t.label))
                continue
            fail = ' (failed %d/%d)' % (len(c.failed), len(c.runs)) \
                if c.failed else ''
            per_stop = ''
            if c.stops and base and t.key != 'none' and not t.filtered:
                us = (c.median - base.median) * 1e6 / c.stops
                # Below the noise of the untraced run.
                per_stop = '%.1f' % us if us >= 0 else '< 0'
            xraw = c.median / raw.median if raw and t.key != 'none' else None
            xst = c.median / st.median if st and t.key != 'none' else None
            lines.append('| %s | %s%s | %s | %s–%s | %s | %s | %s | %s | %s |'
                         % (name, t.label, fail, fmt_s(c.median),
                            fmt_s(c.lo), fmt_s(c.hi), fmt_s(c.cpu),
                            c.stops if c.stops is not None else '',
                            per_stop, fmt_ratio(xraw), fmt_ratio(xst)))
    return lines


def ratio(results, placement, w, a, b):
    try:
        return (results[placement][w][a].median /
                results[placement][w][b].median)
    except KeyError:
        return None


def targets(results, placements):
    """(target, placement, measured ratio or None, limit, verdict)."""
    names = [p for p, _ in placements]
    rows = []
    for p in names:
        rows.append(('libutrace, 8 no-op engines ÷ raw loop, %s' % LOOP, p,
                     ratio(results, p, LOOP, 'utrace8', 'raw'), 1.10, True))
    for p in names:
        rows.append(('(ref) libutrace, 8 no-op engines ÷ raw loop + '
                     'GET_SYSCALL_INFO, %s' % LOOP, p,
                     ratio(results, p, LOOP, 'utrace8', 'raw-info'), 1.10,
                     False))
        rows.append(('(ref) the same, host blocks SIGCHLD', p,
                     ratio(results, p, LOOP, 'utrace8-blk', 'raw-info'),
                     1.10, False))
    for w in (LOOP, 'tar'):
        for p in names:
            rows.append(('mstrace ÷ strace, %s' % w, p,
                         ratio(results, p, w, 'mstrace', 'strace'), 1.00,
                         True))
    if 'pinned' in names and 'unpinned' in names:
        for key, label, judged in (('utrace1', 'libutrace, 1 no-op engine',
                                    True),
                                   ('utrace8', 'libutrace, 8 no-op engines',
                                    True),
                                   ('mstrace', 'mstrace', True),
                                   ('raw', 'raw loop (reference)', False),
                                   ('strace', 'strace (reference)', False)):
            try:
                r = (results['unpinned'][LOOP][key].median /
                     results['pinned'][LOOP][key].median)
            except KeyError:
                r = None
            rows.append(('%s: unpinned ÷ pinned, %s' % (label, LOOP), '—',
                         r, 2.00, judged))
    out = []
    for name, p, r, limit, judged in rows:
        if r is None:
            verdict = 'n/a'
        elif not judged:
            verdict = 'ref'
        else:
            verdict = 'PASS' if r <= limit else 'MISS'
        out.append((name, p, r, limit, verdict))
    return out


def report(args, workloads, tracers, notes, placements, results, prof,
           size_attr, elapsed):
    L = []
    L.append('# libutrace performance')
    L.append('')
    L.append('Generated by `bench/run.py`; regenerate rather than edit. '
             'What the numbers mean and how they are taken is under '
             '[Method](#method).')
    L.append('')
    L.append('## Machine')
    L.append('')
    for k, v in machine_info(args.build_dir, args.load_before):
        L.append('- %s: %s' % (k, v))
    cmd = ['python3', 'bench/run.py'] + sys.argv[1:]
    L.append('- Command (from the source root): `%s`' % ' '.join(
        shlex.quote(a) for a in cmd))
    L.append('- Repetitions: %d per cell, interleaved; total run %.0f s' %
             (args.reps, elapsed))
    L.append('')
    L.append('## Workloads')
    L.append('')
    bench_dir = os.path.join(args.build_dir, 'bench')
    for w in workloads:
        argv = w.make(bench_dir, getattr(w, size_attr))
        argv[0] = os.path.basename(argv[0])
        L.append('- **%s**, %s: `%s`' % (w.key, w.label, ' '.join(
            shlex.quote(os.path.relpath(a, SRC_ROOT)
                        if a.startswith(SRC_ROOT) else a) for a in argv)))
    L.append('')
    for pname, cpus in placements:
        title = ('pinned to CPU %s (as `taskset -c %s`): tracer and '
                 'tracees share one CPU' % (','.join(map(str, sorted(cpus))),
                                            ','.join(map(str,
                                                         sorted(cpus)))))\
            if pname == 'pinned' else \
            'unpinned: any of CPUs %s' % ','.join(map(str, sorted(cpus)))
        L.append('## Results, %s' % title)
        L.append('')
        L += results_table(workloads, tracers, results[pname])
        L.append('')
    L.append('## Targets')
    L.append('')
    L.append('Ratios of median wall times.')
    L.append('')
    L.append('| Target | Placement | Measured | Limit | Verdict |')
    L.append('|---|---|--:|--:|---|')
    for name, p, r, limit, verdict in targets(results, placements):
        L.append('| %s | %s | %s | ≤ %.2f | %s |' % (
            name, p, fmt_ratio(r) if r is not None else 'n/a', limit,
            verdict))
    L.append('')
    if prof:
        L.append('## Syscalls of the tracer per tracee stop')
        L.append('')
        L.append('Syscall loop (`bench-getppid %d`): the calls of every '
                 'thread of the tracer process divided by the %d syscall '
                 'stops of the loop.  Syscalls under 0.01 per stop are left '
                 'out of the rows, not of the total.  In libutrace the '
                 '`futex` calls are the host thread\'s, woken in '
                 '`utrace_task_wait()` by the SIGCHLD of each stop.  '
                 'Tracing the tracer slows it down, which changes how often '
                 'adaptive polling engages.  A tracer missing from a table '
                 'lost perf events three times.' %
                 (prof[0][3] // 2, prof[0][3]))
        L.append('')
    for title, order, table, stops in prof or []:
        L.append('### %s' % title)
        L.append('')
        names = sorted({c for t in order for c in table[t.key]},
                       key=lambda c: -max(table[t.key].get(c, 0)
                                          for t in order))
        names = [c for c in names
                 if max(table[t.key].get(c, 0) for t in order) >= stops / 100]
        L.append('| Syscall | ' + ' | '.join(t.label for t in order) + ' |')
        L.append('|---|' + '--:|' * len(order))
        for c in names:
            L.append('| %s | ' % c + ' | '.join(
                '%.2f' % (table[t.key].get(c, 0) / stops)
                for t in order) + ' |')
        L.append('| **total** | ' + ' | '.join(
            '**%.2f**' % (sum(table[t.key].values()) / stops)
            for t in order) + ' |')
        L.append('')
    L.append('## Method')
    L.append('')
    L.append('- **raw ptrace loop** (`bench-raw-ptrace`): seize, then one '
             '`waitpid()` and one `PTRACE_SYSCALL` per stop, following '
             'clones, forks and vforks; nothing read.  The floor for a '
             'ptrace tracer.  **+ GET_SYSCALL_INFO** (`-i`): also one '
             '`PTRACE_GET_SYSCALL_INFO` per syscall stop, the floor for a '
             'tracer that hands the call to anyone (libutrace, strace).')
    L.append('- **libutrace, N no-op engines** (`bench-utrace N noop`): N '
             'engines subscribed to syscall entry and exit, attached with '
             '`UTRACE_ATTACH_FOLLOW` (so they follow new tasks); each '
             'returns the disposition it is given.  **reading**: the first engine also '
             'sums the syscall fields and reads 64 bytes at the stack '
             'pointer with `process_vm_readv()` at every stop.  **host '
             'blocks SIGCHLD** (`-b`): the main thread blocks SIGCHLD while '
             'it waits; otherwise the SIGCHLD the kernel sends the tracer\'s '
             'process at every ptrace stop (blocked in the tracer thread) '
             'wakes it at every stop.')
    L.append('- **Filtered** rows trace `openat` only, through a seccomp '
             'filter (their stops are the openat calls; no cost per stop is '
             'given); n/a where the tracer cannot do that yet.')
    L.append('- Wall time of the whole run (tracer start to its exit), '
             'median of the repetitions; min–max is their spread.  CPU s: '
             'user + system time of the tracer and every tracee (median).')
    L.append('- Syscall stops: what the tracer itself reported (raw loop, '
             'libutrace: entry + exit reports of the first engine), or '
             '2 × the calls of one counting run (`strace -f -c`, '
             '`mstrace -c`).  Fewer stops than the raw loop means the tracer '
             'missed tasks or calls.')
    L.append('- µs/stop = (median − untraced median) ÷ syscall stops: all '
             'the tracing overhead, also of event and signal stops, '
             'charged to the syscall stops.')
    L.append('- ×raw, ×strace: ratio of median wall times.')
    for n in notes:
        L.append('- %s' % n)
    for t in tracers:
        if not t.available:
            L.append('- n/a: %s: %s.' % (t.label, t.reason))
    L.append('')
    failed = []
    for pname, _ in placements:
        for w in workloads:
            for t in tracers:
                c = results[pname][w.key].get(t.key)
                if c and c.failed:
                    r = c.failed[0]
                    last = (r.err.strip().splitlines() or [''])[-1]
                    failed.append('%s / %s / %s: %d of %d runs, status '
                                  '%#x: `%s`' % (pname, w.key, t.label,
                                                 len(c.failed), len(c.runs),
                                                 r.status, last))
    if failed:
        L.append('## Failed runs')
        L.append('')
        for f in failed:
            L.append('- %s' % f)
        L.append('')
    return '\n'.join(L), failed


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--build-dir', default='build',
                    help='meson build directory (default: build)')
    ap.add_argument('--reps', type=int, default=None,
                    help='repetitions per cell (default 5, 2 with --quick)')
    ap.add_argument('--quick', action='store_true',
                    help='small sizes, fewer repetitions, no profile: '
                    'a smoke run of about 30 s')
    ap.add_argument('--out', help='write the report here (default stdout)')
    ap.add_argument('--cpu', type=int, default=None,
                    help='CPU for the pinned placement (default: the '
                    'first allowed)')
    ap.add_argument('--placement', choices=['both', 'pinned', 'unpinned'],
                    default='both')
    ap.add_argument('--workloads', help='comma-separated subset of: ' +
                    ', '.join(w.key for w in WORKLOADS))
    ap.add_argument('--profile', dest='profile', action='store_true',
                    default=None, help='count the tracers\' own syscalls '
                    '(default unless --quick)')
    ap.add_argument('--no-profile', dest='profile', action='store_false')
    args = ap.parse_args()
    if args.reps is None:
        args.reps = 2 if args.quick else 5
    if args.profile is None:
        args.profile = not args.quick
    args.build_dir = os.path.abspath(args.build_dir)
    bench_dir = os.path.join(args.build_dir, 'bench')
    if not os.path.isdir(bench_dir):
        sys.exit('run.py: no %s: build first (meson compile -C %s)' %
                 (bench_dir, args.build_dir))

    workloads = WORKLOADS
    if args.workloads:
        keys = args.workloads.split(',')
        workloads = [w for w in WORKLOADS if w.key in keys]
        if len(workloads) != len(keys):
            sys.exit('run.py: unknown workload in %s' % args.workloads)
    size_attr = 'quick' if args.quick else 'full'

    allowed = os.sched_getaffinity(0)
    cpu = args.cpu if args.cpu is not None else min(allowed)
    placements = []
    if args.placement in ('both', 'pinned'):
        placements.append(('pinned', {cpu}))
    if args.placement in ('both', 'unpinned'):
        placements.append(('unpinned', allowed))

    def log(s):
        sys.stderr.write(s)
        sys.stderr.flush()

    tracers, notes = make_tracers(args.build_dir)
    args.load_before = os.getloadavg()[0]
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix='utrace-bench-') as tmp:
        results, _ = measure(workloads, tracers, placements, args.reps,
                             size_attr, bench_dir, tmp, log)
        prof = profile(args.build_dir, tracers, placements, tmp,
                       WORKLOADS[0].full, log) if args.profile else None
    elapsed = time.perf_counter() - start
    text, failed = report(args, workloads, tracers, notes, placements,
                          results, prof, size_attr, elapsed)
    if args.out:
        with open(args.out, 'w') as f:
            f.write(text + '\n')
        log('wrote %s (%.0f s)\n' % (args.out, elapsed))
    else:
        print(text)
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
