#!/usr/bin/env python3
"""Turns ltrace 0.7.3's default configuration (/etc/ltrace.conf, Debian package `ltrace`) into
include/memwrap/ltrace_prototypes.inc: the prototypes ltracedrv decodes (docs/ltrace.md,
"Arguments and results").

    audit/ltrace_conf_to_prototypes.py /etc/ltrace.conf > include/memwrap/ltrace_prototypes.inc

ltrace's types map to memwrap's ArgKind (include/memwrap/library_prototypes.h): integers keep
their width and sign, hex() and octal their base, enum() and enum typedefs become tables of
names, string / stringN / string[argN] / string[retval] / string(array(char, argN)*) / format
become texts (bounded by the argument or result they name; '+' ones read at return), and
everything read through a pointer (structs, bitvecs, int*, arrays) is shown as an address.
"""
import re
import sys


def split_top(text, sep=","):
    parts, depth, current = [], 0, ""
    for c in text:
        if c in "([":
            depth += 1
        elif c in ")]":
            depth -= 1
        if c == sep and depth == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += c
    if current.strip():
        parts.append(current.strip())
    return parts


class Converter:
    def __init__(self):
        self.typedefs = {}
        self.enums = []  # [(values)], index = id
        self.enum_ids = {}

    def enum_id(self, body):
        values = []
        for item in split_top(body):
            name, _, value = item.partition("=")
            values.append((name.strip(), int(value.strip(), 0)))
        key = tuple(values)
        if key not in self.enum_ids:
            self.enum_ids[key] = len(self.enums)
            self.enums.append(values)
        return self.enum_ids[key]

    def kind(self, text):
        """(kind, aux, output) of one ltrace type."""
        text = text.strip()
        output = text.startswith("+")
        if output:
            text = text[1:].strip()
        kind, aux = self.base(text)
        return kind, aux, output

    def base(self, text):
        text = text.strip()
        if text in self.typedefs:
            return self.typedefs[text]
        if text.endswith("*"):
            inner = text[:-1].strip()
            if re.fullmatch(r"string\(array\(char,\s*arg(\d)\)\s*", inner + " "):
                pass
            return ("kAddr", 0)
        m = re.fullmatch(r"string\(array\(char,\s*arg(\d)\)\*\)", text)
        if m:
            return ("kArrayN", int(m.group(1)))
        m = re.fullmatch(r"string(\d)", text)
        if m:
            n = int(m.group(1))
            return ("kStringRet", 0) if n == 0 else ("kStringN", n)
        m = re.fullmatch(r"string\[arg(\d)\]", text)
        if m:
            return ("kStringN", int(m.group(1)))
        if text == "string[retval]":
            return ("kStringRet", 0)
        m = re.fullmatch(r"hex\((\w+)\)", text)
        if m:
            return ("kHexLong", 0) if m.group(1) in ("long", "ulong") else ("kHex", 0)
        m = re.fullmatch(r"enum\((.*)\)", text)
        if m:
            return ("kEnum", self.enum_id(m.group(1)))
        simple = {
            "int": "kInt", "uint": "kUint", "long": "kLong", "ulong": "kUlong", "short": "kInt",
            "ushort": "kUint", "char": "kChar", "octal": "kOctal", "void": "kNone",
            "addr": "kAddr", "file": "kAddr", "string": "kString", "format": "kFormat",
        }
        if text in simple:
            return (simple[text], 0)
        if text.startswith(("struct(", "bitvec(", "array(")):
            return ("kAddr", 0)
        raise ValueError("unknown type: " + text)

    def convert(self, lines):
        prototypes = {}
        for raw in lines:
            line = raw.strip()
            if not line or line.startswith(";"):
                continue
            statement = line[: line.index(";")] if ";" in line else line
            if statement.startswith("typedef "):
                name, _, body = statement[len("typedef "):].partition("=")
                self.typedefs[name.strip()] = self.base(body.strip())
                continue
            statement = statement.rstrip()
            if not statement.endswith(")"):
                raise ValueError("cannot read: " + raw)
            depth, open_at = 0, None
            for i in range(len(statement) - 1, -1, -1):
                depth += {")": 1, "(": -1}.get(statement[i], 0)
                if depth == 0:
                    open_at = i
                    break
            m = re.fullmatch(r"(.*?)(\w+)\s*", statement[:open_at])
            if open_at is None or not m:
                raise ValueError("cannot read: " + raw)
            result_text, name = m.groups()
            args_text = statement[open_at + 1:-1]
            result = self.kind(result_text)
            args = [self.kind(a) for a in split_top(args_text)]
            prototypes[name] = (result, args)
        return prototypes


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else "/etc/ltrace.conf"
    with open(path) as f:
        converter = Converter()
        prototypes = converter.convert(f.read().splitlines())
    out = sys.stdout
    out.write("// Generated by audit/ltrace_conf_to_prototypes.py from ltrace 0.7.3's %s\n" % path)
    out.write("// (Debian package ltrace 0.7.3-6.4). Do not edit; regenerate.\n")
    out.write("// LTRACE_ENUM(id, value, name) and LTRACE_PROTOTYPE(name, result, {args}, count)\n")
    out.write("// are defined by the includer; an argument is {kind, aux, output}; count is ltrace's (the\n")
    out.write("// first six are listed: the ones passed in registers).\n")
    out.write("#ifdef LTRACE_ENUM\n")
    for index, values in enumerate(converter.enums):
        for name, value in values:
            out.write('LTRACE_ENUM(%d, %d, "%s")\n' % (index, value, name))
    out.write("#endif\n#ifdef LTRACE_PROTOTYPE\n")
    for name in sorted(prototypes):
        (result, args) = prototypes[name]
        count = len(args)
        args = args[:6]
        rendered = ", ".join("{A::%s, %d, %s}" % (k, a, "true" if o else "false") for k, a, o in args)
        out.write('LTRACE_PROTOTYPE("%s", {A::%s, %d, %s}, {%s}, %d)\n' % (
            name, result[0], result[1], "true" if result[2] else "false", rendered, count))
    out.write("#endif\n")


if __name__ == "__main__":
    main()
