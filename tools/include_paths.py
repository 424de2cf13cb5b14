#!/usr/bin/env python3
"""Checks that every project header is included by one spelling: its path from the source root
("tracer/collector/collector.h", "replay/heap_replay.h"), or "memwrap/..." for the public
headers under include/. Exits 1 and lists each include spelled otherwise.

    tools/include_paths.py [SOURCE_ROOT] [--fix]

--fix rewrites those includes in place. An include is resolved as the compiler would have found
it: next to the including file first, then as a unique path suffix among the project's files
(a bare "collector.h" is the one file named collector.h), else as the one file of that name
(a header that moved). Includes of files that are not in the
tree (system headers, generated files such as syscall_names.inc) are left alone.

Why one spelling: with a room's folder on the include path, "collector.h" and
"tracer/collector.h" named the same file, so a reader could not tell from an include where a
header lives, and moving a header broke some spellings and not others.
"""
import os
import re
import sys

SOURCE_SUFFIXES = (".c", ".cc", ".cpp", ".h", ".hpp", ".inc", ".def")
SKIPPED_DIRECTORIES = (".git", ".ci")
INCLUDE = re.compile(r'^(\s*#\s*include\s+)"([^"]+)"', re.M)


def project_files(root):
    for directory, subdirectories, files in os.walk(root):
        relative = os.path.relpath(directory, root)
        top = relative.split(os.sep)[0]
        if top in SKIPPED_DIRECTORIES or top.startswith("build"):
            subdirectories[:] = []
            continue
        for name in files:
            if name.endswith(SOURCE_SUFFIXES):
                yield os.path.normpath(os.path.join(relative, name))


def public_spelling(path):
    """The one spelling of a header at `path` (relative to the source root)."""
    if path.startswith("include" + os.sep):
        return path[len("include" + os.sep):]
    return path


def resolve(spelled, including, files):
    """The file an include names, or None when it is not one of the project's files."""
    beside = os.path.normpath(os.path.join(os.path.dirname(including), spelled))
    if beside in files:
        return beside
    if os.path.join("include", spelled) in files:
        return os.path.join("include", spelled)
    if spelled in files:
        return spelled
    matches = [f for f in files if f.endswith(os.sep + spelled)]
    if not matches:
        # A header that moved to another room keeps its name: the one file of that name.
        name = os.path.basename(spelled)
        matches = [f for f in files if os.path.basename(f) == name]
    return matches[0] if len(matches) == 1 else None


def main(argv):
    fix = "--fix" in argv
    arguments = [a for a in argv[1:] if a != "--fix"]
    root = arguments[0] if arguments else os.path.join(os.path.dirname(__file__), "..")
    files = set(project_files(root))
    wrong = 0
    for source in sorted(files):
        # Test programs are built apart, each with its own folder on the include path.
        if source.startswith(os.path.join("tests", "programs")):
            continue
        path = os.path.join(root, source)
        with open(path, encoding="utf-8") as f:
            text = f.read()

        def respell(match):
            nonlocal wrong
            target = resolve(match.group(2), source, files)
            if target is None or public_spelling(target) == match.group(2):
                return match.group(0)
            wrong += 1
            print(f'{source}: "{match.group(2)}" -> "{public_spelling(target)}"')
            return f'{match.group(1)}"{public_spelling(target)}"'

        new_text = INCLUDE.sub(respell, text)
        if fix and new_text != text:
            with open(path, "w", encoding="utf-8") as f:
                f.write(new_text)
    return 1 if wrong and not fix else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
