#!/usr/bin/env python3
"""Per-function code sizes of a wasm module, grouped by crate, from its name section.

Usage: wasm-sizes.py MODULE.wasm [TOP_N]
       wasm-sizes.py MODULE.wasm --modules NAME...   (code bytes of each core module named,
                                                     e.g. the provider modules, in functions whose
                                                     path holds providers::NAME)
       wasm-sizes.py MODULE.wasm --areas             (code bytes by area: each module of the two
                                                     crates, core::fmt, the rest of std, the
                                                     wasm-bindgen crates, the allocator)
The module must keep its name section (build without strip and without wasm-opt):
scripts/build-pkg.sh keeps both builds so, in .tmp/wasm-pack/names-{server,browser}/.
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


OUR_CRATES = {"gpt_image_core": "core", "gpt_image_edge": "wasm layer"}
ESCAPES = {"$LT$": "<", "$GT$": ">", "$u20$": " ", "$RF$": "&", "$C$": ",", "$u7b$": "{", "$u7d$": "}"}


def readable(name):
    """A legacy-mangled name (`_ZN14gpt_image_core7request8validate17h..E`) as a
    path (`gpt_image_core::request::validate`); wasm-bindgen's demangled names
    without their crate hashes. Other names as they are."""
    name = re.sub(r"\[[0-9a-f]+\]|::h[0-9a-f]{16}$", "", name)
    if not name.startswith("_ZN"):
        return name
    parts, i = [], 3
    while i < len(name) and name[i].isdigit():
        n = re.match(r"\d+", name[i:]).group(0)
        i += len(n)
        parts.append(name[i : i + int(n)])
        i += int(n)
    text = "::".join(p for p in parts if not re.fullmatch(r"h[0-9a-f]{16}", p))
    for k, v in ESCAPES.items():
        text = text.replace(k, v)
    return text.replace("..", "::")


def area_of(name):
    """The area a function's code counts to: a module of the two crates,
    core::fmt, the rest of std, the wasm-bindgen crates, the allocator."""
    path = readable(name)
    m = re.search(r"(gpt_image_core|gpt_image_edge)::([a-z_][a-z0-9_]*)(::|>|$)", path)
    if m:  # a module, or a function of the crate root (lib.rs)
        return f"{OUR_CRATES[m.group(1)]}: {m.group(2) if m.group(3) == '::' else 'lib.rs'}"
    if re.search(r"\b(gpt_image_core|gpt_image_edge)::", path):
        return f"{OUR_CRATES[re.search(r'(gpt_image_core|gpt_image_edge)', path).group(1)]}: lib.rs"
    if re.search(r"\b(core|alloc)::fmt|(?:4core|5alloc)3fmt", path):
        return "core::fmt"
    if re.search(r"\btalc\b|4talc", path):
        return "allocator (talc)"
    if re.search(r"wasm_bindgen|js_sys|web_sys|gloo", path):
        return "wasm-bindgen, js-sys, gloo"
    if re.search(r"\b(core|alloc|std)::|4core|5alloc|3std|___rust", path):
        return "std (core, alloc) but fmt"
    return "other (exports, builtins)"


def main():
    data = open(sys.argv[1], "rb").read()
    modules = sys.argv[3:] if len(sys.argv) > 2 and sys.argv[2] == "--modules" else None
    areas = len(sys.argv) > 2 and sys.argv[2] == "--areas"
    top = int(sys.argv[2]) if len(sys.argv) > 2 and not modules and not areas else 40
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
        for module in modules:
            pat = re.compile(r"\bproviders::" + re.escape(module) + r"(?![a-z_])")
            own = sum(size for size, name in rows if pat.search(readable(name)))
            print(f"  {module:<14} {own:8d} bytes of code ({100 * own / total:4.1f}%)")
        return
    if areas:
        by_area = Counter()
        for size, name in rows:
            by_area[area_of(name)] += size
        for area, size in by_area.most_common():
            print(f"  {area:<28} {size:8d} bytes of code ({100 * size / total:4.1f}%)")
        return
    print(f"code section: {total} bytes in {len(bodies)} functions; file {len(data)} bytes")
    for crate, size in by_crate.most_common(25):
        print(f"{size:8d} {100 * size / total:5.1f}%  {crate}")
    print()
    for size, name in sorted(rows, reverse=True)[:top]:
        print(f"{size:8d}  {name[:150]}")


if __name__ == "__main__":
    main()
