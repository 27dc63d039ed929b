#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Time workloads under several tracers and write a Markdown report.

Each workload runs untraced, under bench-raw-ptrace (the least a ptrace
tracer can do, with and without PTRACE_GET_SYSCALL_INFO, and with a
seccomp filter), under libutrace with 1, 3 and 8 no-op engines, with one
engine reading memory and with a seccomp filter, under mstrace -f and
strace -f (also filtered), each pinned to one CPU and unpinned.  The scale
run traces 1000 threads (bench-scale), one or all of them looping, and
measures the tracer's memory per task.  Every combination runs --reps
times, interleaved; the report gives the median, its spread, the CPU
time, the syscall stops each tracer took, the cost of a stop and ratios,
then checks every performance target (MET, MISS, or n/a with the reason,
e.g. while mstrace has no -f).

    python3 bench/run.py --build-dir build --out doc/performance.md
    python3 bench/run.py --build-dir build --quick     # smoke run, stdout

Standard library only.  The workloads and tracers come from the build
directory (bench/, examples/mstrace/); strace and gcc from PATH.
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
# The realistic job of the targets.
REAL = 'build'


class Workload:
    def __init__(self, key, label, make, full, quick, tracers=None):
        self.key = key
        self.label = label
        # make(bench_dir, size) -> argv
        self.make = make
        self.full = full
        self.quick = quick
        # Keys of the tracers it runs under, None for all.
        self.tracers = tracers


# The realistic job: compile C files one after the other from a shell, as
# a build does (sh, then gcc, cc1 and as for each file: -f matters).
# About 1 s untraced on the reference machine.  The files are the
# benchmark programs themselves, so the job changes only when they do.
BUILD_FULL = ['bench-utrace.c', 'bench-raw-ptrace.c', 'bench-scale.c',
              'bench-threads.c', 'bench-signal.c', 'bench-fork.c',
              'bench-exec.c']
BUILD_QUICK = ['bench-getppid.c']


def _build_job(bench_dir, files):
    cc = shutil.which('gcc') or shutil.which('cc')
    if not cc:
        # No compiler: archive headers through a pipe (tar skips reading
        # the files when the archive is /dev/null itself).
        return ['sh', '-c', 'tar cf - /usr/include/linux | cat >/dev/null']
    paths = [os.path.join(SRC_ROOT, 'bench', f) for f in files]
    return ['sh', '-c', 'for f; do %s -O2 -D_GNU_SOURCE -I %s -c -o '
            '/dev/null "$f" || exit 1; done' % (
                os.path.basename(cc), os.path.join(SRC_ROOT, 'include')),
            'sh'] + paths


# The realistic job takes long (50000 syscall stops): only the tracers the
# targets compare, so that the full run stays under 10 minutes.
BUILD_TRACERS = {'none', 'mstrace', 'mstrace-nof', 'strace', 'raw-filt',
                 'strace-filt', 'mstrace-filt', 'mstrace-nof-filt',
                 'utrace-filt'}

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
    Workload(REAL, 'realistic job: `gcc -O2 -c` of C files one by one, '
             'from `sh`', _build_job, BUILD_FULL, BUILD_QUICK,
             tracers=BUILD_TRACERS),
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
    """Return code of a short command (None if it could not start) and
    the last line of its stderr."""
    try:
        p = subprocess.run(argv, stdin=subprocess.DEVNULL,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                           text=True, errors='replace', timeout=30)
    except (OSError, subprocess.TimeoutExpired) as e:
        return None, str(e)
    lines = p.stderr.strip().splitlines()
    return p.returncode, lines[-1] if lines else ''


# What mstrace says about an option it does not have yet.
UNSUPPORTED = 'not supported yet'


def mstrace_missing(err, options):
    """Why mstrace refused @options, from its last line of stderr."""
    for o in options:
        if '%s is %s' % (o, UNSUPPORTED) in err:
            return 'mstrace %s not available' % o
    if UNSUPPORTED in err:
        return 'mstrace: %s' % err.split(': ', 1)[-1]
    return 'mstrace %s failed: %s' % (' '.join(options), err or '?')


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

    # mstrace -f against strace -f.  Until mstrace has -f, it also runs
    # without it (first task only), so that its row is not empty; the
    # targets stay n/a.
    have_mstrace = os.access(mstrace, os.X_OK)
    have_f = False
    if have_mstrace:
        rc, err = probe([mstrace, '-f', '-o', '/dev/null', 'true'])
        have_f = rc == 0
        reason = '' if have_f else mstrace_missing(err, ['-f'])
    else:
        reason = 'mstrace not built (-Dexamples=false?)'
    tracers.append(Tracer('mstrace', 'mstrace -f -o /dev/null',
                          prefix=[mstrace, '-f', '-o', '/dev/null', '--']
                          if have_f else None, reason=reason,
                          stops='count',
                          count_prefix=[mstrace, '-f', '-c']))
    if have_mstrace and not have_f:
        tracers.append(Tracer('mstrace-nof', 'mstrace -o /dev/null '
                              '(no -f: first task only)',
                              prefix=[mstrace, '-o', '/dev/null', '--'],
                              stops='count', count_prefix=[mstrace, '-c']))
        notes.append('mstrace has no `-f` yet (%s): the mstrace -f rows '
                     'and targets are n/a; "mstrace (no -f)" traces the '
                     'first task only (see its syscall stops), for '
                     'reference.' % reason)

    if strace:
        tracers.append(Tracer('strace', 'strace -f -o /dev/null',
                              prefix=[strace, '-f', '-o', '/dev/null', '--'],
                              stops='count',
                              count_prefix=[strace, '-f', '-c']))
    else:
        tracers.append(Tracer('strace', 'strace -f -o /dev/null',
                              reason='strace not found'))

    # Filtered: only openat, through a seccomp filter.
    filt = ['--seccomp-bpf', '-e', 'trace=openat']
    rc, err = probe([raw, '-s', '--', 'true']) if have_raw else (None, '')
    tracers.append(Tracer('raw-filt', 'raw loop, seccomp filter on openat',
                          prefix=[raw, '-s', '--'] if rc == 0 else None,
                          reason='bench-raw-ptrace -s: %s' % (
                              err or 'not built'), stops='self'))
    rc, err = probe([strace, '-f'] + filt + ['-o', '/dev/null', 'true']) \
        if strace else (None, 'strace not found')
    tracers.append(Tracer('strace-filt', 'strace -f --seccomp-bpf '
                          '-e trace=openat',
                          prefix=[strace, '-f'] + filt +
                          ['-o', '/dev/null', '--'] if rc == 0 else None,
                          reason='strace -f --seccomp-bpf: %s' % err,
                          stops='count',
                          count_prefix=[strace, '-f', '-c'] + filt))
    if have_mstrace:
        rc, err = probe([mstrace, '-f'] + filt + ['-o', '/dev/null',
                                                  'true'])
        reason = mstrace_missing(err, ['-f', '--seccomp-bpf'])
    else:
        rc = None
    tracers.append(Tracer('mstrace-filt', 'mstrace -f --seccomp-bpf '
                          '-e trace=openat',
                          prefix=[mstrace, '-f'] + filt +
                          ['-o', '/dev/null', '--'] if rc == 0 else None,
                          reason=reason, stops='count',
                          count_prefix=[mstrace, '-f', '-c'] + filt))
    if have_mstrace and not have_f and \
            probe([mstrace] + filt + ['-o', '/dev/null', 'true'])[0] == 0:
        tracers.append(Tracer('mstrace-nof-filt', 'mstrace --seccomp-bpf '
                              '-e trace=openat (no -f: first task only)',
                              prefix=[mstrace] + filt +
                              ['-o', '/dev/null', '--'], stops='count',
                              count_prefix=[mstrace, '-c'] + filt))
    rc, err = probe([butrace, '1', 'filter', '--', 'true']) \
        if have_utrace else (None, 'bench-utrace not built')
    tracers.append(Tracer('utrace-filt', 'libutrace, 1 engine, seccomp '
                          'filter on openat',
                          prefix=[butrace, '1', 'filter', '--']
                          if rc == 0 else None,
                          reason='bench-utrace filter: %s' % err,
                          stops='self'))
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
    results = {p: {w.key: {} for w in workloads} for p, _ in placements}
    stops = {w.key: {} for w in workloads}

    for w in workloads:
        argv = w.make(bench_dir, getattr(w, size_attr))
        avail = [t for t in tracers if t.available and
                 (w.tracers is None or t.key in w.tracers)]
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
            'utrace-read', 'mstrace', 'mstrace-nof', 'strace')


def perf_trace_works(tmp):
    perf = shutil.which('perf')
    if not perf:
        return None
    out = os.path.join(tmp, 'perf-probe.txt')
    if probe([perf, 'trace', '-s', '-o', out, '--', 'true'])[0] != 0:
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
    workload waits for a line on its stdin before the loop, unpinned only (strace slows the
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
    # The traced shell waits for a line on its stdin, sent once strace
    # says it has attached to the tracer: no timed wait on either side.
    workload = ['sh', '-c', 'read go; exec "$0" "$1"', loop, str(n)]
    table = {}
    for t in chosen:
        log('profile %s\n' % t.key)
        with open(os.devnull, 'r+b') as null:
            tracer = subprocess.Popen(t.prefix + workload,
                                      stdin=subprocess.PIPE, stdout=null,
                                      stderr=null)
            spy = subprocess.Popen([strace, '-f', '-c', '-o', out, '-p',
                                    str(tracer.pid)], stdin=null,
                                   stdout=null, stderr=subprocess.PIPE)
            for line in spy.stderr:
                if b'attached' in line:
                    break
            tracer.stdin.write(b'go\n')
            tracer.stdin.close()
            try:
                tracer.wait(timeout=RUN_TIMEOUT)
                spy.communicate(timeout=RUN_TIMEOUT)
            except subprocess.TimeoutExpired:
                tracer.kill()
                spy.kill()
                tracer.wait()
                spy.communicate()
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
        first = True
        for t in tracers:
            if w.tracers is not None and t.key not in w.tracers:
                continue
            name = '**%s**' % w.key if first else ''
            first = False
            c = row.get(t.key)
            if c is None:
                lines.append('| %s | %s | n/a (%s) | | | | | | |' % (
                    name, t.label, t.reason))
                continue
            # Filtered tracers are compared with the filtered references.
            raw = row.get('raw-filt' if t.filtered else 'raw')
            st = row.get('strace-filt' if t.filtered else 'strace')
            fail = ' (failed %d/%d)' % (len(c.failed), len(c.runs)) \
                if c.failed else ''
            per_stop = ''
            us = stop_cost(row, t.key)
            if us is not None and not t.filtered:
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


def stop_cost(row, key):
    """µs per syscall stop: the tracing overhead over the untraced run."""
    c = row.get(key)
    base = row.get('none')
    if not c or not base or key == 'none' or not c.stops:
        return None
    return (c.median - base.median) * 1e6 / c.stops


# Scale: many traced threads with 3 no-op engines each.
SCALE_ENGINES = 3
# (threads, calls) of the full and the quick run.
SCALE_SIZES = {'full': (1000, 20000), 'quick': (100, 2000)}
SCALE_RE = re.compile(r'^bench-scale: threads (\d+) mode (\w+) calls (\d+) '
                      r'loop-ns (\d+)', re.M)
MEM_RE = re.compile(r'^bench-utrace: mem tasks (\d+) rss-kb (\d+) heap-b '
                    r'(\d+) tasks (\d+) rss-kb (\d+) heap-b (\d+)', re.M)


class ScaleConfig:
    def __init__(self, key, label, threads, mode, calls):
        self.key = key
        self.label = label
        self.threads = threads
        self.mode = mode
        self.calls = calls

    def argv(self, bench_dir):
        return [os.path.join(bench_dir, 'bench-scale'), str(self.threads),
                self.mode, str(self.calls)]


def scale_configs(size_attr):
    t, n = SCALE_SIZES[size_attr]
    return [ScaleConfig('1', '1 thread: it loops', 1, 'one', n),
            ScaleConfig('one', '%d threads: 1 loops, %d sleep in read()' %
                        (t, t - 1), t, 'one', n),
            ScaleConfig('all', '%d threads: all loop, %d calls each' %
                        (t, n // t), t, 'all', n)]


def scale_tracers(tracers):
    """(key, label, prefix) of the tracers of the scale runs."""
    by_key = {t.key: t for t in tracers}
    out = [('none', 'untraced', [])]
    raw = by_key.get('raw')
    if raw and raw.available:
        out.append(('raw', 'raw ptrace loop (reference)', raw.prefix))
    u = by_key.get('utrace%d' % SCALE_ENGINES)
    if u and u.available:
        # -m: the tracer's memory, before the first task runs and at the
        # getpid() bench-scale makes once all its threads are traced.
        out.append(('utrace', 'libutrace, %d no-op engines' % SCALE_ENGINES,
                    [u.prefix[0], '-m'] + u.prefix[1:]))
    return out


class ScaleCell:
    """The loop times (s) bench-scale printed, and the memory samples of
    bench-utrace -m: (tasks, RSS KiB, heap bytes) before and after."""

    def __init__(self, runs):
        self.runs = runs
        self.failed = []
        loops = []
        self.mem = []
        for r in runs:
            m = SCALE_RE.search(r.err)
            if not r.ok or not m:
                self.failed.append(r)
                continue
            loops.append(int(m.group(4)) / 1e9)
            m = MEM_RE.search(r.err)
            if m:
                v = [int(x) for x in m.groups()]
                self.mem.append((v[0:3], v[3:6]))
        loops.sort()
        self.median = statistics.median(loops) if loops else None
        self.lo = loops[0] if loops else None
        self.hi = loops[-1] if loops else None


def measure_scale(configs, stracers, placements, reps, bench_dir, tmp, log):
    """results[placement][config][tracer] = ScaleCell."""
    err_path = os.path.join(tmp, 'stderr.txt')
    combos = [(c, t) for c in configs for t in stracers]
    results = {}
    for pname, cpus in placements:
        log('scale, %s: ' % pname)
        run_once(configs[0].argv(bench_dir), cpus, err_path)
        runs = {(c.key, t[0]): [] for c, t in combos}
        for rep in range(reps):
            k = rep % len(combos)
            for c, t in combos[k:] + combos[:k]:
                runs[(c.key, t[0])].append(
                    run_once(t[2] + c.argv(bench_dir), cpus, err_path))
            log('.')
        log('\n')
        results[pname] = {c.key: {t[0]: ScaleCell(runs[(c.key, t[0])])
                                  for t in stracers} for c in configs}
    return results


def scale_stop_cost(cells, config, tracer):
    """µs per syscall stop of the timed loop (2 stops per call)."""
    try:
        c = cells[config.key][tracer]
        base = cells[config.key]['none']
    except KeyError:
        return None
    if c.median is None or base.median is None:
        return None
    return (c.median - base.median) * 1e6 / (2 * config.calls)


def scale_ratio(cells, configs, key, tracer):
    """µs/stop of configuration @key ÷ µs/stop with one thread."""
    one = scale_stop_cost(cells, configs[0], tracer)
    other = scale_stop_cost(cells, next(c for c in configs if c.key == key),
                            tracer)
    if one is None or other is None or one <= 0:
        return None
    return other / one


def scale_table(configs, stracers, cells):
    lines = ['| Threads | Tracer | Loop s (median) | min–max | µs/stop '
             '| ×1 thread |', '|---|---|--:|--:|--:|--:|']
    for c in configs:
        first = True
        for key, label, _ in stracers:
            name = c.label if first else ''
            first = False
            cell = cells[c.key][key]
            if cell.median is None:
                lines.append('| %s | %s (failed %d/%d) | | | | |' % (
                    name, label, len(cell.failed), len(cell.runs)))
                continue
            fail = ' (failed %d/%d)' % (len(cell.failed), len(cell.runs)) \
                if cell.failed else ''
            us = scale_stop_cost(cells, c, key) if key != 'none' else None
            x = scale_ratio(cells, configs, c.key, key) \
                if key != 'none' and c is not configs[0] else None
            lines.append('| %s | %s%s | %s | %s–%s | %s | %s |' % (
                name, label, fail, fmt_s(cell.median), fmt_s(cell.lo),
                fmt_s(cell.hi), '%.1f' % us if us is not None else '',
                fmt_ratio(x)))
    return lines


def scale_memory(configs, scale):
    """Lines on the tracer's memory per traced task (all placements)."""
    lines = ['| Threads | Tasks before → after | VmRSS KiB before → after '
             '| VmRSS per added task | malloc bytes before → after '
             '| malloc per added task |', '|---|--:|--:|--:|--:|--:|']
    for c in configs[1:]:
        samples = [m for cells in scale.values()
                   for m in cells[c.key].get('utrace', ScaleCell([])).mem
                   if m[1][0] > m[0][0]]
        if not samples:
            lines.append('| %s | n/a | | | | |' % c.label)
            continue
        med = lambda f: statistics.median(f(m) for m in samples)
        t0, t1 = med(lambda m: m[0][0]), med(lambda m: m[1][0])
        lines.append('| %s | %d → %d | %d → %d | %.2f KiB | %d → %d | %.0f B |'
                     % (c.label, t0, t1, med(lambda m: m[0][1]),
                        med(lambda m: m[1][1]),
                        med(lambda m: (m[1][1] - m[0][1]) /
                            (m[1][0] - m[0][0])),
                        med(lambda m: m[0][2]), med(lambda m: m[1][2]),
                        med(lambda m: (m[1][2] - m[0][2]) /
                            (m[1][0] - m[0][0]))))
    return lines


def ratio(results, placement, w, a, b):
    try:
        return (results[placement][w][a].median /
                results[placement][w][b].median)
    except KeyError:
        return None


class Target:
    """One row of the targets table.  judged: False for a reference
    row; missing: why the value is None (an unavailable tracer)."""

    def __init__(self, name, placement, value, limit, commands, judged=True,
                 missing=''):
        self.name = name
        self.placement = placement
        self.value = value
        self.limit = limit
        self.commands = commands
        self.judged = judged
        self.missing = missing

    @property
    def verdict(self):
        if self.value is None:
            return 'n/a (%s)' % self.missing if self.missing else 'n/a'
        if not self.judged:
            return 'ref'
        return 'MET' if self.value <= self.limit else 'MISS'


def targets(ctx, results, scale):
    """The targets of the performance requirement, then references."""
    names = [p for p, _ in ctx.placements]
    tr = {t.key: t for t in ctx.tracers}
    rows = []

    def why(*keys):
        for k in keys:
            t = tr.get(k)
            if t is None:
                return '%s not run' % k
            if not t.available:
                return t.reason
        return ''

    def cmp(name, p, w, a, b, limit, judged=True):
        rows.append(Target(name, p, ratio(results, p, w, a, b), limit,
                           [ctx.command(a, w, p), ctx.command(b, w, p)],
                           judged, why(a, b)))

    for p in names:
        cmp('libutrace, 8 no-op engines ÷ raw ptrace loop, %s' % LOOP, p,
            LOOP, 'utrace8', 'raw', 1.10)
    for w, stretch in ((LOOP, False), (LOOP, True), (REAL, False)):
        for p in names:
            cmp('mstrace -f ÷ strace -f, %s%s' % (
                w, ' (stretch)' if stretch else ''), p, w, 'mstrace',
                'strace', 0.90 if stretch else 1.00)
    for w in (LOOP, REAL):
        for p in names:
            cmp('filtered (openat): mstrace -f --seccomp-bpf ÷ strace -f '
                '--seccomp-bpf, %s' % w, p, w, 'mstrace-filt',
                'strace-filt', 1.00)
    for w in (LOOP, REAL, 'threads'):
        for p in names:
            cmp('filtered (openat): libutrace ÷ raw seccomp-filtered loop, '
                '%s%s' % (w, ' (multi-threaded)' if w == 'threads' else ''),
                p, w, 'utrace-filt', 'raw-filt', 1.05)
    # Multi-threaded as cheap as single-threaded: the cost of a stop.
    for p in names:
        try:
            a = stop_cost(results[p]['threads'], 'utrace8')
            b = stop_cost(results[p][LOOP], 'utrace8')
            r = a / b if a is not None and b else None
        except KeyError:
            r = None
        rows.append(Target('libutrace, 8 no-op engines: µs/stop, threads '
                           '÷ %s (multi- vs single-threaded)' % LOOP, p, r,
                           1.05, [ctx.command('utrace8', 'threads', p),
                                  ctx.command('utrace8', LOOP, p)],
                           missing=why('utrace8')))
    if 'pinned' in names and 'unpinned' in names:
        for key, judged in (('utrace1', True), ('utrace8', True),
                            ('mstrace', True), ('mstrace-nof', False),
                            ('raw', False), ('strace', False)):
            if key not in tr:
                continue
            try:
                a = stop_cost(results['unpinned'][LOOP], key)
                b = stop_cost(results['pinned'][LOOP], key)
                r = a / b if a is not None and b else None
            except KeyError:
                r = None
            rows.append(Target('%s: µs/stop unpinned ÷ pinned, %s' % (
                tr[key].label, LOOP), '—', r, 2.00,
                [ctx.command(key, LOOP, 'unpinned'),
                 ctx.command(key, LOOP, 'pinned')], judged, why(key)))
    for p in (scale or {}):
        for key, judged in (('utrace', True), ('raw', False)):
            for c in ctx.scale_configs[1:]:
                label = 'libutrace, %d no-op engines' % SCALE_ENGINES \
                    if key == 'utrace' else 'raw ptrace loop'
                rows.append(Target(
                    '%s: µs/stop with %s ÷ 1 thread' % (label, c.label), p,
                    scale_ratio(scale[p], ctx.scale_configs, c.key, key),
                    1.20, [ctx.scale_command(key, c, p),
                           ctx.scale_command(key, ctx.scale_configs[0], p)],
                    judged, 'no scale run' if key not in scale[p][c.key]
                    else ''))
    # References: where the difference comes from.
    for p in names:
        cmp('(ref) libutrace, 8 no-op engines ÷ raw loop + '
            'GET_SYSCALL_INFO, %s' % LOOP, p, LOOP, 'utrace8', 'raw-info',
            1.10, judged=False)
        cmp('(ref) the same, host blocks SIGCHLD', p, LOOP, 'utrace8-blk',
            'raw-info', 1.10, judged=False)
        if 'mstrace-nof' in tr:
            for w in (LOOP, REAL):
                cmp('(ref) mstrace without -f ÷ strace -f, %s' % w, p, w,
                    'mstrace-nof', 'strace', 1.00, judged=False)
        if 'mstrace-nof-filt' in tr:
            cmp('(ref) mstrace --seccomp-bpf without -f ÷ strace -f '
                '--seccomp-bpf, %s' % LOOP, p, LOOP, 'mstrace-nof-filt',
                'strace-filt', 1.00, judged=False)
    return rows


class Context:
    """What the run is made of, and the command lines of its cells."""

    def __init__(self, args, tracers, placements, workloads, size_attr,
                 scale_configs, scale_tracers):
        self.build_dir = args.build_dir
        self.bench_dir = os.path.join(args.build_dir, 'bench')
        self.tracers = tracers
        self.placements = placements
        self.workloads = workloads
        self.size_attr = size_attr
        self.scale_configs = scale_configs
        self.scale_tracers = scale_tracers

    def short(self, argv):
        """argv as a shell line, programs of the build by their name."""
        out = []
        for a in argv:
            if a.startswith(self.build_dir + os.sep):
                a = os.path.basename(a)
            elif SRC_ROOT + os.sep in a:
                a = a.replace(SRC_ROOT + os.sep, '')
            elif os.path.isabs(a) and shutil.which(os.path.basename(a)) \
                    == a:
                a = os.path.basename(a)
            out.append(shlex.quote(a))
        return ' '.join(out)

    def taskset(self, placement):
        for p, cpus in self.placements:
            if p == placement and placement == 'pinned':
                return 'taskset -c %s ' % ','.join(map(str, sorted(cpus)))
        return ''

    def workload(self, key):
        """The workload's command; the realistic job by its name."""
        if key == REAL:
            return '‹%s job›' % REAL
        for w in WORKLOADS:
            if w.key == key:
                return self.short(w.make(self.bench_dir,
                                         getattr(w, self.size_attr)))
        return key

    def command(self, tkey, wkey, placement):
        t = next((t for t in self.tracers if t.key == tkey), None)
        if t is None:
            tracer = tkey + ' -- '
        elif t.available:
            tracer = self.short(t.prefix) + ' ' if t.prefix else ''
        else:
            tracer = t.label + ' -- '
        return '%s%s%s' % (self.taskset(placement), tracer,
                           self.workload(wkey))

    def scale_command(self, tkey, config, placement):
        prefix = next((p for k, _, p in self.scale_tracers if k == tkey),
                      [tkey, '--'])
        return '%s%s' % (self.taskset(placement),
                         self.short(prefix + config.argv(self.bench_dir)))


def report(args, ctx, notes, results, prof, scale, elapsed):
    workloads = ctx.workloads
    tracers = ctx.tracers
    placements = ctx.placements
    size_attr = ctx.size_attr
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
    L.append('- To reproduce, with an optimised build of the library: '
             '`meson setup build-bench --buildtype=release -Dtests=disabled '
             '&& meson compile -C build-bench && python3 bench/run.py '
             '--build-dir build-bench --out doc/performance.md` on an '
             'otherwise idle machine (`--quick`: a smoke run of under a '
             'minute, also `meson test -C build --benchmark`).')
    L.append('')
    L.append('## Workloads')
    L.append('')
    bench_dir = os.path.join(args.build_dir, 'bench')
    for w in workloads:
        L.append('- **%s**, %s: `%s`' % (w.key, w.label, ctx.short(
            w.make(bench_dir, getattr(w, size_attr)))))
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
    if scale:
        t, n = SCALE_SIZES[size_attr]
        L.append('## Scale: %d traced threads, %d no-op engines each' % (
            t, SCALE_ENGINES))
        L.append('')
        L.append('`bench-scale` times its %d getppid() calls itself, once '
                 'every thread exists and the sleeping ones are asleep, so '
                 'creating and attaching the threads is not counted.  '
                 'µs/stop = (loop − untraced loop) ÷ %d stops; '
                 '×1 thread: '
                 'µs/stop ÷ µs/stop of the 1-thread run under the same '
                 'tracer.  "1 loops" measures the size of the task table '
                 '(one thread stops, the others sleep in read()); "all '
                 'loop" adds %d runnable threads competing for the CPUs '
                 '(and about 2 more stops per thread: the wake-up from '
                 'read() and the sleep after the loop).  The raw loop is '
                 'the reference for what the kernel adds: a wait walks the '
                 'tracer\'s list of tracees, newest first, and the looping '
                 'thread of "1 loops" is the oldest, so each of its stops '
                 'costs a walk past every sleeping thread.' % (n, 2 * n, t))
        L.append('')
        for pname, cpus in placements:
            if pname not in scale:
                continue
            L.append('### %s' % ('pinned (`taskset -c %s`)' % ','.join(
                map(str, sorted(cpus))) if pname == 'pinned' else
                'unpinned'))
            L.append('')
            L += scale_table(ctx.scale_configs, ctx.scale_tracers,
                             scale[pname])
            L.append('')
        L.append('### Memory of the tracer process per traced task')
        L.append('')
        L.append('`bench-utrace -m %d noop`: VmRSS (`/proc/self/status`) '
                 'and bytes in use by malloc() (`mallinfo2()`: uordblks + '
                 'hblkhd) of the tracer process, once with the engines on '
                 'the first task before it runs, and again when bench-scale '
                 'calls getpid() with all its threads traced; the growth '
                 'divided by the tasks added.  Medians of all its runs.' %
                 SCALE_ENGINES)
        L.append('')
        L += scale_memory(ctx.scale_configs, scale)
        L.append('')
    L.append('## Targets')
    L.append('')
    L.append('Ratios of median wall times (of the loop time bench-scale '
             'measures for the scale rows; of µs/stop where the target '
             'says so), numerator ÷ denominator as in the commands.  MET: '
             'at or under the limit; ref: a reference, not a target; n/a: '
             'not measured, with the reason.  ‹%s job›: the command under '
             '[Workloads](#workloads).' % REAL)
    L.append('')
    L.append('| Target | Placement | Measured | Limit | Verdict | Commands |')
    L.append('|---|---|--:|--:|---|---|')
    for r in targets(ctx, results, scale):
        L.append('| %s | %s | %s | ≤ %.2f | %s | %s |' % (
            r.name, r.placement,
            fmt_ratio(r.value) if r.value is not None else 'n/a', r.limit,
            r.verdict, ' ÷ '.join('`%s`' % c for c in r.commands)))
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
             'given; ×raw and ×strace compare with the filtered raw loop '
             'and strace); n/a where the tracer cannot do that yet.  '
             '**raw loop, seccomp filter** (`bench-raw-ptrace -s`): the '
             'child installs a filter that traces openat only, the tracer '
             'resumes with `PTRACE_CONT`, and from a seccomp stop with '
             '`PTRACE_SYSCALL` to stop at the call\'s exit too: the floor '
             'for filtered tracing.')
    L.append('- The **%s** job runs under the tracers the targets compare '
             'only.' % REAL)
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
    for pname in (scale or {}):
        for c in ctx.scale_configs:
            for key, label, _ in ctx.scale_tracers:
                cell = scale[pname][c.key][key]
                if cell.failed:
                    r = cell.failed[0]
                    last = (r.err.strip().splitlines() or [''])[-1]
                    failed.append('%s / scale %s / %s: %d of %d runs, '
                                  'status %#x: `%s`' % (
                                      pname, c.label, label,
                                      len(cell.failed), len(cell.runs),
                                      r.status, last))
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
                    ', '.join([w.key for w in WORKLOADS] + ['scale']))
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
    run_scale = True
    if args.workloads:
        keys = args.workloads.split(',')
        run_scale = 'scale' in keys
        workloads = [w for w in WORKLOADS if w.key in keys]
        if len(workloads) + run_scale != len(keys):
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
    configs = scale_configs(size_attr)
    stracers = scale_tracers(tracers)
    if not os.access(os.path.join(bench_dir, 'bench-scale'), os.X_OK):
        run_scale = False
    ctx = Context(args, tracers, placements, workloads, size_attr, configs,
                  stracers)
    args.load_before = os.getloadavg()[0]
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix='utrace-bench-') as tmp:
        results, _ = measure(workloads, tracers, placements, args.reps,
                             size_attr, bench_dir, tmp, log)
        scale = measure_scale(configs, stracers, placements, args.reps,
                              bench_dir, tmp, log) if run_scale else None
        prof = profile(args.build_dir, tracers, placements, tmp,
                       WORKLOADS[0].full, log) if args.profile else None
    elapsed = time.perf_counter() - start
    text, failed = report(args, ctx, notes, results, prof, scale, elapsed)
    if args.out:
        with open(args.out, 'w') as f:
            f.write(text + '\n')
        log('wrote %s (%.0f s)\n' % (args.out, elapsed))
    else:
        print(text)
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
