#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Check the ABI of libutrace.so against libutrace.sym and the headers.

Usage: check-exports.py NM LIBRARY SYMFILE HEADER...

1. The dynamic symbols the library defines (nm -D --defined-only) are
   exactly the globals of the version script, each in its node.
2. The globals of the version script are exactly the functions the public
   headers declare (static inline helpers excepted).
"""

import re
import shutil
import subprocess
import sys

SKIP = 77


def strip_c_comments(text):
    return re.sub(r'/\*.*?\*/', ' ', text, flags=re.S)


def parse_symfile(path):
    """Map symbol -> version node, from a GNU ld version script."""
    with open(path, encoding='utf-8') as f:
        text = strip_c_comments(f.read())
    text = re.sub(r'#[^\n]*', ' ', text)
    symbols = {}
    nodes = re.findall(r'([A-Za-z0-9_.]+)\s*\{(.*?)\}\s*[A-Za-z0-9_.]*\s*;',
                       text, flags=re.S)
    if not nodes:
        sys.exit('%s: no version node found' % path)
    for node, body in nodes:
        scope = 'global'
        for item in re.split(r'[;\s]+', body):
            if not item:
                continue
            label = re.match(r'^(global|local):(.*)$', item)
            if label:
                scope = label.group(1)
                item = label.group(2)
                if not item:
                    continue
            if scope != 'global':
                continue
            if item in symbols:
                sys.exit('%s: %s listed twice' % (path, item))
            symbols[item] = node
    return symbols


def parse_exports(nm, library):
    """Map symbol -> version (or None) of the library's defined dynsyms,
    and the set of version nodes it defines."""
    proc = subprocess.run([nm, '-D', '--defined-only', library],
                          stdout=subprocess.PIPE, universal_newlines=True,
                          check=True)
    exports = {}
    versions = set()
    for line in proc.stdout.splitlines():
        fields = line.split()
        if len(fields) < 2:
            continue
        kind = fields[-2]
        name = fields[-1]
        version = None
        match = re.match(r'^([^@]+)@@?(.+)$', name)
        if match:
            name, version = match.group(1), match.group(2)
        if kind == 'A' and (version is None or version == name):
            # A version definition, not a symbol.
            versions.add(name)
            continue
        exports[name] = version
    return exports, versions


def header_functions(paths):
    """Names of the functions the headers declare, inline ones excepted."""
    names = set()
    for path in paths:
        with open(path, encoding='utf-8') as f:
            text = strip_c_comments(f.read())
        # The extern "C" wrapper, which is all C++ conditionals hold.
        text = re.sub(r'^[ \t]*#[ \t]*ifdef[ \t]+__cplusplus\b.*?'
                      r'^[ \t]*#[ \t]*endif[^\n]*', ' ', text,
                      flags=re.M | re.S)
        # Preprocessor lines, with their continuations.
        text = re.sub(r'^[ \t]*#(?:[^\n]*\\\n)*[^\n]*', ' ', text,
                      flags=re.M)
        # Bodies of structs, enums and inline functions, innermost first.
        previous = None
        while previous != text:
            previous = text
            text = re.sub(r'\{[^{}]*\}', ';', text)
        for decl in text.split(';'):
            words = decl.split()
            if not words or words[0] == 'typedef' or 'static' in words:
                continue
            match = re.search(r'\b(utrace_[A-Za-z0-9_]*)\s*\(', decl)
            if match:
                names.add(match.group(1))
    return names


def report(title, names):
    if names:
        print('%s:' % title)
        for name in sorted(names):
            print('\t%s' % name)
    return bool(names)


def main(argv):
    if len(argv) < 3:
        sys.exit('usage: check-exports.py NM LIBRARY SYMFILE HEADER...')
    nm, library, symfile, headers = argv[0], argv[1], argv[2], argv[3:]
    if not shutil.which(nm):
        print('%s not found, skipping' % nm)
        return SKIP

    listed = parse_symfile(symfile)
    exports, versions = parse_exports(nm, library)
    declared = header_functions(headers)

    bad = False
    bad |= report('exported but not in %s' % symfile,
                  set(exports) - set(listed))
    bad |= report('in %s but not exported' % symfile,
                  set(listed) - set(exports))
    bad |= report('exported in the wrong version node',
                  {'%s@%s (listed in %s)' % (n, exports[n], listed[n])
                   for n in set(exports) & set(listed)
                   if exports[n] is not None and exports[n] != listed[n]})
    bad |= report('version nodes defined but listing nothing',
                  versions - set(listed.values()))
    if headers:
        bad |= report('declared in the headers but not in %s' % symfile,
                      declared - set(listed))
        bad |= report('in %s but declared in no header' % symfile,
                      set(listed) - declared)
    if bad:
        return 1
    print('%d symbols exported, as listed in %s and declared in %s'
          % (len(exports), symfile, ', '.join(headers)))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
