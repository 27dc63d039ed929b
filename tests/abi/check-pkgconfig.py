#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Build and run a program with only `pkg-config --cflags --libs utrace`.

Usage: check-pkgconfig.py MODE BUILD-ROOT PKG-CONFIG SOURCE ARCH NR EXPECT
                          [--cflag FLAG]... -- CC... [-- MESON...]

MODE is
  installed    `meson install --destdir` into a temporary directory, then
               use the utrace.pc installed there (PKG_CONFIG_SYSROOT_DIR
               maps its paths into the temporary directory);
  uninstalled  use BUILD-ROOT/meson-uninstalled/utrace-uninstalled.pc.

SOURCE is compiled and linked with the C compiler CC and the pkg-config
flags (plus the --cflag flags: the build's sanitizer or coverage flags,
which a library built with them needs at link time), run as
`program ARCH NR`, and must print EXPECT.
"""

import glob
import os
import shlex
import shutil
import subprocess
import sys
import tempfile

SKIP = 77


def run(cmd, env=None, capture=False):
    print('+ ' + ' '.join(shlex.quote(c) for c in cmd), flush=True)
    proc = subprocess.run(cmd, env=env, universal_newlines=True,
                          stdout=subprocess.PIPE if capture else None)
    if proc.returncode != 0:
        sys.exit('command failed with exit code %d' % proc.returncode)
    return proc.stdout if capture else None


def prepend_path(env, var, paths):
    old = env.get(var)
    env[var] = os.pathsep.join(paths + ([old] if old else []))


def main(argv):
    if len(argv) < 9 or '--' not in argv:
        sys.exit(__doc__)
    mode, build_root, pkg_config, source, arch, nr, expect = argv[:7]
    rest = argv[7:]
    cflags = []
    while rest and rest[0] == '--cflag':
        cflags.append(rest[1])
        rest = rest[2:]
    if not rest or rest[0] != '--':
        sys.exit(__doc__)
    rest = rest[1:]
    if '--' in rest:
        split = rest.index('--')
        cc, meson = rest[:split], rest[split + 1:]
    else:
        cc, meson = rest, []

    if not shutil.which(pkg_config):
        print('pkg-config not found, skipping')
        return SKIP

    env = dict(os.environ)
    with tempfile.TemporaryDirectory(prefix='utrace-pkgconfig-') as tmp:
        if mode == 'installed':
            if not meson:
                sys.exit('installed mode needs the meson command')
            destdir = os.path.join(tmp, 'root')
            run(meson + ['install', '-C', build_root, '--no-rebuild',
                         '--quiet', '--destdir', destdir])
            pcs = glob.glob(os.path.join(destdir, '**', 'pkgconfig',
                                         'utrace.pc'), recursive=True)
            if len(pcs) != 1:
                sys.exit('expected one installed utrace.pc, found %r' % pcs)
            prepend_path(env, 'PKG_CONFIG_PATH', [os.path.dirname(pcs[0])])
            env['PKG_CONFIG_SYSROOT_DIR'] = destdir
        elif mode == 'uninstalled':
            prepend_path(env, 'PKG_CONFIG_PATH',
                         [os.path.join(build_root, 'meson-uninstalled')])
        else:
            sys.exit('unknown mode %r' % mode)

        flags = shlex.split(run([pkg_config, '--cflags', '--libs', 'utrace'],
                                env=env, capture=True))
        libdirs = shlex.split(run([pkg_config, '--libs-only-L', 'utrace'],
                                  env=env, capture=True))
        libdirs = [d[2:] for d in libdirs if d.startswith('-L')]
        print('pkg-config: ' + ' '.join(flags))

        program = os.path.join(tmp, 'pkgconfig-user')
        run(cc + cflags + [source, '-o', program] + flags)

        # Only the library pkg-config points at: meson test's own
        # LD_LIBRARY_PATH names the build tree.
        run_env = dict(os.environ)
        run_env['LD_LIBRARY_PATH'] = os.pathsep.join(libdirs)
        out = run([program, arch, nr], env=run_env, capture=True)
        if out.strip() != expect:
            sys.exit('expected %r, got %r' % (expect, out))
        print(out.strip())
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
