#!/usr/bin/env python3
"""Lists the C and C++ functions longer than 100 lines, counted from the first line of the
signature to the closing brace, and exits 1 if there is any.

    tools/long_functions.py [SOURCE_ROOT] [--limit LINES]

Looks at every .c/.cc/.cpp/.h/.hpp file under SOURCE_ROOT (default: the directory above this
script) except tests/, bench/ and build directories. A heuristic, not a parser: comments,
string and character literals and preprocessor lines are blanked first; then a `{` at file,
namespace, extern "C" or class scope opens a function body when the declaration before it ends
with a parameter list `(...)` (followed perhaps by const, noexcept, override, a trailing return
type or a constructor's initializer list). Other braces at those scopes (initializers, enum
bodies) are skipped whole; braces inside a body belong to the body.
"""
import os
import re
import sys

DEFAULT_LIMIT = 100
SOURCE_SUFFIXES = (".c", ".cc", ".cpp", ".h", ".hpp")
SKIPPED_TOP_DIRECTORIES = ("tests", "bench")

# What may follow a function's parameter list before its body.
AFTER_PARAMETERS = re.compile(
    r"^(?:\s|const\b|volatile\b|noexcept\b|override\b|final\b|mutable\b|try\b|&|->.*)*$",
    re.S)
# A constructor's member initializer list has begun: `) : member_(` or `) : member_{`.
INITIALIZER_LIST = re.compile(r"\)\s*(?:noexcept\s*)?:(?!:)")
SCOPE_KEYWORD = re.compile(r"^(?:(?:inline|export)\s+)?(namespace|struct|class|union|enum)\b")
EXTERN_C = re.compile(r'^extern\s*"\s*"\s*$')  # the literal is blanked
ACCESS_SPECIFIER = re.compile(r"^\s*(?:public|private|protected)\s*:(?!:)")


def blank_non_code(text):
    """Returns text with comments, literals and preprocessor lines replaced by spaces (string
    literals keep their quotes), so that braces inside them do not count. Newlines stay."""
    out = []
    i, n = 0, len(text)
    at_line_start = True
    while i < n:
        c = text[i]
        if at_line_start and c == "#":
            # A preprocessor line, with its backslash continuations.
            while i < n and text[i] != "\n":
                if text[i] == "\\" and i + 1 < n and text[i + 1] == "\n":
                    out.append(" \n")
                    i += 2
                    continue
                out.append(" ")
                i += 1
            continue
        if c == "\n":
            at_line_start = True
            out.append(c)
            i += 1
            continue
        if not c.isspace():
            at_line_start = False
        if text.startswith("//", i):
            end = text.find("\n", i)
            end = n if end < 0 else end
            out.append(" " * (end - i))
            i = end
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            end = n if end < 0 else end + 2
            out.append(re.sub(r"[^\n]", " ", text[i:end]))
            i = end
        elif c == "R" and text.startswith('R"', i) and not _continues_identifier(text, i):
            match = re.match(r'R"([^ ()\\\t\n]*)\(', text[i:])
            if not match:
                out.append(c)
                i += 1
                continue
            end = text.find(")" + match.group(1) + '"', i)
            end = n if end < 0 else end + len(match.group(1)) + 2
            out.append('""' + re.sub(r"[^\n]", " ", text[i + 2:end]))
            i = end
        elif c == '"' or (c == "'" and not _is_digit_separator(text, i)):
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            out.append(c + " " * (j - i - 1) + c)
            i = j + 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def _continues_identifier(text, i):
    return i > 0 and (text[i - 1].isalnum() or text[i - 1] == "_")


def _is_digit_separator(text, i):
    """1'000'000: a quote inside a number literal."""
    j = i
    while j > 0 and (text[j - 1].isalnum() or text[j - 1] in "_'."):
        j -= 1
    return j < i and text[j].isdigit()


def strip_template_and_attributes(head):
    """The declaration without leading template<...> clauses and [[attributes]]."""
    head = head.strip()
    while True:
        head = ACCESS_SPECIFIER.sub("", head).strip()
        if head.startswith("[["):
            end = head.find("]]")
            head = head[end + 2:].strip() if end >= 0 else ""
            continue
        match = re.match(r"template\s*<", head)
        if not match:
            return head
        depth, k = 0, match.end() - 1
        while k < len(head):
            if head[k] == "<":
                depth += 1
            elif head[k] == ">":
                depth -= 1
                if depth == 0:
                    break
            k += 1
        head = head[k + 1:].strip()


def without_access_specifiers(head):
    """The declaration from its first token after any `public:` and the like."""
    while True:
        head = head.lstrip()
        match = ACCESS_SPECIFIER.match(head)
        if not match:
            return head
        head = head[match.end():]


def looks_like_function(head):
    """The declaration before a `{` ends with a parameter list (a function or a lambda)."""
    close = head.rfind(")")
    if close < 0:
        return False
    if INITIALIZER_LIST.search(head):
        return True  # a constructor whose initializer list ends with a braced initializer
    return bool(AFTER_PARAMETERS.match(head[close + 1:]))


def in_initializer_list(head):
    """`Foo::Foo(int x) : a_(x), b_` — the `{` that follows initializes a member."""
    if not INITIALIZER_LIST.search(head) or head.count("(") == 0:
        return False
    stripped = head.rstrip()
    return bool(stripped) and (stripped[-1].isalnum() or stripped[-1] in "_>")


def function_name(head):
    """The (qualified) name before the parameter list, for the listing."""
    for match in re.finditer(r"((?:[\w~]+::)*(?:operator\s*(?:\(\)|[^\s(]+)|[\w~]+))\s*\(",
                             head):
        name = match.group(1)
        if name not in ("__attribute__", "alignas", "decltype", "noexcept", "if", "for",
                        "while", "switch", "return"):
            return name
    lambda_name = re.search(r"(\w+)\s*=\s*\[", head)  # auto name = [...](...) {
    return lambda_name.group(1) if lambda_name else head.strip().split("\n")[0][:60]


class Scanner:
    """Walks the blanked text once, keeping the declaration seen since the last `;`, `{` or
    `}` at the current scope."""

    def __init__(self, code):
        self.code = code
        self.functions = []  # (name, first line, last line)

    def line_of(self, offset):
        return self.code.count("\n", 0, offset) + 1

    def matching_brace(self, open_offset):
        depth = 0
        for k in range(open_offset, len(self.code)):
            if self.code[k] == "{":
                depth += 1
            elif self.code[k] == "}":
                depth -= 1
                if depth == 0:
                    return k
        return len(self.code) - 1

    def scan(self, begin, end):
        """Declarations between begin and end, at a scope that may hold functions."""
        head_start = begin
        parentheses = 0  # open in the declaration so far
        k = begin
        while k < end:
            c = self.code[k]
            if c == "(":
                parentheses += 1
            elif c == ")":
                parentheses = max(0, parentheses - 1)
            elif c == "{" and parentheses > 0:
                # A lambda or a braced value among arguments (a member initializer's, a default
                # argument's): part of the declaration.
                k = self.matching_brace(k)
            elif c == ";" or c == "}":
                head_start = k + 1
                parentheses = 0
            elif c == "{":
                k = self.open_brace(head_start, k)
                if self.code[k] == "}":
                    head_start = k + 1
                elif self.code[k] == "{":
                    continue  # the body after an initializer list's braces
            k += 1

    def open_brace(self, head_start, brace):
        """Handles the brace at `brace`; returns the offset of the brace that ends what it
        opened, or of the next brace of the same declaration."""
        raw_head = self.code[head_start:brace]
        head = strip_template_and_attributes(raw_head)
        close = self.matching_brace(brace)
        if in_initializer_list(head):
            # A member's braced initializer: skip it; the declaration goes on.
            nxt = close + 1
            while nxt < len(self.code) and self.code[nxt] != "{" and self.code[nxt] != ";":
                nxt += 1
            return nxt if nxt < len(self.code) else close
        keyword = SCOPE_KEYWORD.match(head)
        if (keyword and keyword.group(1) != "enum" and "=" not in head) or EXTERN_C.match(head):
            self.scan(brace + 1, close)
            return close
        if looks_like_function(head):
            first = head_start + len(raw_head) - len(without_access_specifiers(raw_head))
            close = self.after_catch_clauses(close)
            self.functions.append((function_name(head), self.line_of(first),
                                   self.line_of(close)))
        return close

    def after_catch_clauses(self, close):
        """The end of a function-try-block's last handler, or `close` itself."""
        while True:
            match = re.compile(r"\s*catch\s*\(").match(self.code, close + 1)
            if not match:
                return close
            brace = self.code.find("{", match.end())
            if brace < 0:
                return close
            close = self.matching_brace(brace)


def long_functions(path, limit):
    with open(path, encoding="utf-8", errors="replace") as source:
        code = blank_non_code(source.read())
    scanner = Scanner(code)
    scanner.scan(0, len(code))
    return [(name, first, last - first + 1) for name, first, last in scanner.functions
            if last - first + 1 > limit]


def source_files(root):
    for directory, subdirectories, files in os.walk(root):
        relative = os.path.relpath(directory, root)
        if relative == ".":
            subdirectories[:] = [d for d in subdirectories
                                 if d not in SKIPPED_TOP_DIRECTORIES and
                                 not d.startswith("build") and not d.startswith(".")]
        subdirectories.sort()
        for name in sorted(files):
            if name.endswith(SOURCE_SUFFIXES):
                yield os.path.join(directory, name)


def main(argv):
    limit = DEFAULT_LIMIT
    arguments = list(argv[1:])
    if "--limit" in arguments:
        index = arguments.index("--limit")
        limit = int(arguments[index + 1])
        del arguments[index:index + 2]
    root = arguments[0] if arguments else os.path.join(os.path.dirname(__file__), "..")
    found = 0
    for path in source_files(root):
        for name, first, length in long_functions(path, limit):
            print(f"{os.path.relpath(path, root)}:{first}: {name}: {length} lines")
            found += 1
    if found:
        print(f"{found} function(s) over {limit} lines", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
