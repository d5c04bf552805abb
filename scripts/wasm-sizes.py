#!/usr/bin/env python3
"""Per-function code sizes of a wasm module, grouped by crate, from its name section.

Usage: wasm-sizes.py MODULE.wasm [TOP_N]
       wasm-sizes.py MODULE.wasm --modules NAME...   (code bytes of each core module named,
                                                     e.g. the provider modules, in functions whose
                                                     path holds providers::NAME)
The module must keep its name section (build without strip and without wasm-opt).
"""
import re
import sys
from collections import Counter


def leb(b, i):
    r = s = 0
    while True:
        x = b[i]
        i += 1
        r |= (x & 0x7F) << s
        s += 7
        if x < 0x80:
            return r, i


def sections(b):
    i = 8
    while i < len(b):
        sid = b[i]
        size, j = leb(b, i + 1)
        yield sid, b[j : j + size]
        i = j + size


def main():
    data = open(sys.argv[1], "rb").read()
    modules = sys.argv[3:] if len(sys.argv) > 2 and sys.argv[2] == "--modules" else None
    top = int(sys.argv[2]) if len(sys.argv) > 2 and not modules else 40
    imports = 0
    bodies = []
    names = {}
    for sid, body in sections(data):
        if sid == 2:  # imports: count function imports (they take the first indices)
            n, i = leb(body, 0)
            for _ in range(n):
                for _ in range(2):
                    ln, i = leb(body, i)
                    i += ln
                kind = body[i]
                i += 1
                if kind == 0:
                    _, i = leb(body, i)
                    imports += 1
                elif kind == 1:
                    i += 1
                    flag = body[i]; i += 1
                    _, i = leb(body, i)
                    if flag & 1:
                        _, i = leb(body, i)
                elif kind == 2:
                    flag = body[i]; i += 1
                    _, i = leb(body, i)
                    if flag & 1:
                        _, i = leb(body, i)
                elif kind == 3:
                    i += 2
        elif sid == 10:
            n, i = leb(body, 0)
            for _ in range(n):
                size, i = leb(body, i)
                bodies.append(size)
                i += size
        elif sid == 0:
            ln, i = leb(body, 0)
            if body[i : i + ln] != b"name":
                continue
            i += ln
            while i < len(body):
                sub = body[i]
                size, j = leb(body, i + 1)
                if sub == 1:
                    n, k = leb(body, j)
                    for _ in range(n):
                        idx, k = leb(body, k)
                        ln, k = leb(body, k)
                        names[idx] = body[k : k + ln].decode("utf-8", "replace")
                        k += ln
                i = j + size
    total = sum(bodies)
    by_crate = Counter()
    rows = []
    for n, size in enumerate(bodies):
        name = names.get(n + imports, f"func{n + imports}")
        m = re.search(r"(?:<|^|_ZN\d+)?([a-z_][a-z0-9_]*)(?:::|\.\.|\d)", name)
        crate = m.group(1) if m else "?"
        by_crate[crate] += size
        rows.append((size, name))
    if modules:
        # Legacy mangling writes a path as `9providers8apiframe` or, inside
        # `<... as ...>`, as `providers..apiframe`.
        for module in modules:
            pat = re.compile(r"providers(?:\.\.|\d+)" + re.escape(module) + r"(?![a-z_])")
            own = sum(size for size, name in rows if pat.search(name))
            print(f"  {module:<14} {own:8d} bytes of code ({100 * own / total:4.1f}%)")
        return
    print(f"code section: {total} bytes in {len(bodies)} functions; file {len(data)} bytes")
    for crate, size in by_crate.most_common(25):
        print(f"{size:8d} {100 * size / total:5.1f}%  {crate}")
    print()
    for size, name in sorted(rows, reverse=True)[:top]:
        print(f"{size:8d}  {name[:150]}")


if __name__ == "__main__":
    main()
