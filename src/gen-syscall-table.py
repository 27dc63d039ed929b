#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Generate syscall-table.h from the system's kernel headers.

Usage: gen-syscall-table.py [--arch ARCH] OUTPUT CC [CC-ARGS...]

The C compiler's preprocessor lists the macros of the kernel's syscall
number headers (CC -E -dM -x c -); every "#define __NR_<name> <number>"
becomes an entry "[number] = "name"" of a sparse array of names, indexed
by syscall number (holes are NULL).

ARCH is the meson cpu_family of the host, x86_64 by default:
  x86_64  two tables, syscall_names_x86_64 from <asm/unistd_64.h> and
          syscall_names_i386 from <asm/unistd_32.h> (int 0x80 from a
          64-bit task); x32 numbers are not included.
  other   one table, syscall_names_native, from <asm/unistd.h> as the
          compiler sees it for its target.  Aliases to other macros
          (asm-generic's "__NR_fcntl __NR3264_fcntl") are followed; values
          that are expressions (MIPS's "(__NR_Linux + 0)") are skipped,
          as are asm-generic's markers __NR_syscalls and
          __NR_arch_specific_syscall.
"""

import os
import re
import subprocess
import sys

DEFINE = re.compile(r'^#define\s+([A-Za-z_][A-Za-z0-9_]*)\s+(.*?)\s*$')
INTEGER = re.compile(r'^(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)[uUlL]*$')
IDENT = re.compile(r'^[A-Za-z_][A-Za-z0-9_]*$')
NOT_SYSCALLS = {'syscalls', 'arch_specific_syscall'}


def usage():
    sys.stderr.write('usage: gen-syscall-table.py [--arch ARCH] OUTPUT CC '
                     '[CC-ARGS...]\n')
    sys.exit(2)


def macros(cc, header):
    """All object-like macros defined after including header."""
    proc = subprocess.run(cc + ['-E', '-dM', '-x', 'c', '-'],
                          input='#include <%s>\n' % header,
                          stdout=subprocess.PIPE, universal_newlines=True,
                          check=False)
    if proc.returncode != 0:
        sys.exit('gen-syscall-table.py: %s failed on <%s>'
                 % (' '.join(cc), header))
    defs = {}
    for line in proc.stdout.splitlines():
        m = DEFINE.match(line)
        if m:
            defs[m.group(1)] = m.group(2)
    return defs


def resolve(defs, value):
    """The integer a macro value stands for, or None."""
    for _ in range(8):
        if INTEGER.match(value):
            digits = value.rstrip('uUlL')
            if digits[:2] in ('0x', '0X'):
                return int(digits, 16)
            if digits.startswith('0'):
                return int(digits, 8)
            return int(digits)
        if not IDENT.match(value) or value not in defs:
            return None
        value = defs[value]
    return None


def syscalls(cc, header):
    """Map number -> name of the __NR_ macros of header."""
    defs = macros(cc, header)
    table = {}
    # Sorted, so that of two names for one number the same one always
    # wins, whatever order the preprocessor listed the macros in.
    for macro in sorted(defs):
        if not macro.startswith('__NR_'):
            continue
        name = macro[len('__NR_'):]
        if name in NOT_SYSCALLS:
            continue
        nr = resolve(defs, defs[macro])
        if nr is None or nr in table:
            continue
        table[nr] = name
    if not table:
        sys.exit('gen-syscall-table.py: no syscall numbers in <%s>' % header)
    return table


def format_table(var, table):
    lines = ['static const char *const %s[] = {' % var]
    for nr in sorted(table):
        lines.append('\t[%d] = "%s",' % (nr, table[nr]))
    lines.append('};')
    return '\n'.join(lines) + '\n'


def main(argv):
    arch = 'x86_64'
    if argv[:1] == ['--arch']:
        if len(argv) < 2:
            usage()
        arch = argv[1]
        argv = argv[2:]
    elif argv[:1] and argv[0].startswith('--arch='):
        arch = argv[0][len('--arch='):]
        argv = argv[1:]
    if len(argv) < 2:
        usage()
    output = argv[0]
    cc = argv[1:]

    if arch == 'x86_64':
        text = ('/* generated from the system\'s <asm/unistd_64.h> and '
                '<asm/unistd_32.h>; do not edit */\n')
        text += format_table('syscall_names_x86_64',
                             syscalls(cc, 'asm/unistd_64.h'))
        text += format_table('syscall_names_i386',
                             syscalls(cc, 'asm/unistd_32.h'))
    else:
        text = ('/* generated from the system\'s <asm/unistd.h> (%s); '
                'do not edit */\n' % arch)
        text += format_table('syscall_names_native',
                             syscalls(cc, 'asm/unistd.h'))

    tmp = output + '.tmp'
    with open(tmp, 'w', encoding='utf-8') as f:
        f.write(text)
    os.replace(tmp, output)


if __name__ == '__main__':
    main(sys.argv[1:])
