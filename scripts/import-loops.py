#!/usr/bin/env python3
"""Fails when source files of a crate import each other in a loop.

For every crate under crates/ (and migrations/), each .rs file under src/ is a node; an
edge goes from a file to every file of the same crate it names through `crate::`,
`super::` or `self::` paths, through a module it imported with `use`, or through a child
module it declared and then uses. `mod` declarations alone do not count, nor does code
after `#[cfg(test)]`, nor do sea-orm entities' mutual relations (files under entity/).
"""

import os
import re
import sys

IDENT = r"[A-Za-z_][A-Za-z0-9_]*"


def modules(root):
    files = {}
    for folder, _, names in os.walk(root):
        for name in names:
            if name.endswith(".rs"):
                path = os.path.join(folder, name)
                parts = os.path.relpath(path, root)[:-3].split("/")
                if parts[-1] == "mod":
                    parts = parts[:-1]
                if parts in (["lib"], ["main"]):
                    parts = []
                files[tuple(parts)] = path
    return files


def graph(root):
    files = modules(root)

    def resolve(path):
        for i in range(len(path), 0, -1):
            if tuple(path[:i]) in files:
                return tuple(path[:i])
        return None

    edges = {module: set() for module in files}
    aliases = {}
    sources = {}
    for module, path in files.items():
        with open(path, encoding="utf-8") as f:
            source = f.read().split("#[cfg(test)]")[0]
        sources[module] = source
        directory = path.endswith("mod.rs") or module == ()
        for match in re.finditer(r"(?<!pub\()\b(crate|super|self)((?:::" + IDENT + r")*)(::\{([^;]*?)\})?", source, re.S):
            keyword, base = match.group(1), [s for s in match.group(2).split("::") if s]
            if keyword == "crate":
                prefix = []
            elif keyword == "self":
                prefix = list(module)
            else:
                prefix = list(module)[:-1]
            if keyword == "super" and not directory:
                prefix = list(module)[:-1]
            # `super::super::…` climbs once more for each further `super`.
            while base and base[0] == "super":
                base = base[1:]
                prefix = prefix[:-1]
            paths = [prefix + base]
            if match.group(4):
                for item in re.split(r",(?![^{]*\})", match.group(4)):
                    item = item.strip().split(" as ")[0].strip("{} ")
                    segments = [s for s in item.split("::") if s and s != "self"]
                    if segments:
                        paths.append(prefix + base + segments)
            for target_path in paths:
                target = resolve(target_path)
                if target not in (None, module, ()):
                    edges[module].add(target)
                    if len(target) == len(target_path):
                        aliases.setdefault(module, {})[target_path[-1]] = list(target_path)
        for declared in re.finditer(r"(?m)^\s*(?:pub(?:\([a-z]+\))? )?mod (" + IDENT + r");", source):
            aliases.setdefault(module, {})[declared.group(1)] = list(module) + [declared.group(1)]
    for module, source in sources.items():
        for alias, full in aliases.get(module, {}).items():
            pattern = r"(?<![A-Za-z0-9_:])" + alias + r"((?:::" + IDENT + r")*)(::\{)?"
            for use in re.finditer(pattern, source):
                if not use.group(1) and not use.group(2):
                    continue
                target = resolve(full + [s for s in use.group(1).split("::") if s])
                if target not in (None, module, ()):
                    edges[module].add(target)
    return edges


def loops(edges):
    index, low, stack, on_stack, found = {}, {}, [], set(), []
    counter = [0]
    sys.setrecursionlimit(10000)

    def visit(node):
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for other in edges[node]:
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                other = stack.pop()
                on_stack.discard(other)
                component.append(other)
                if other == node:
                    break
            if len(component) > 1:
                found.append(sorted("/".join(part) for part in component))

    for node in edges:
        if node not in index:
            visit(node)
    return found


def main():
    roots = [os.path.join("crates", c, "src") for c in sorted(os.listdir("crates"))]
    roots.append(os.path.join("migrations", "src"))
    failed = False
    for root in roots:
        if not os.path.isdir(root):
            continue
        for component in loops(graph(root)):
            if all(name.startswith("entity/") for name in component):
                continue
            failed = True
            print(f"{root}: these files import each other in a loop: {', '.join(component)}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
