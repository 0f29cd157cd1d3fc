#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Checks that a varlink interface description keeps a wire contract.

usage: check-idl-contract.py [--any-order] CONTRACT IDL

Both files are parsed with a small varlink IDL parser of our own (comments
are stripped, whitespace does not matter). They must declare the same
interface name, the same named types (same fields, in the same order, with
the same types), the same methods (same input and output fields) and the
same errors. Declarations must also come in the same order, unless
--any-order is given. Documentation comments are not compared.

Every difference is printed; the exit status is 0 when there is none, 1
when there are differences and 2 when a file cannot be read or parsed.
"""
import re
import sys

TOKEN_RE = re.compile(
    r"""
    (?P<ws>[ \t\r\n]+)
  | (?P<comment>\#[^\n]*)
  | (?P<arrow>->)
  | (?P<punct>[()\[\]:,?])
  | (?P<word>[A-Za-z0-9_.\-]+)
    """,
    re.VERBOSE,
)

PRIMITIVES = ("bool", "int", "float", "string", "object")
NAME_RE = re.compile(r"^[A-Z][A-Za-z0-9]*$")
FIELD_RE = re.compile(r"^[A-Za-z](_?[A-Za-z0-9])*$")
INTERFACE_RE = re.compile(r"^[A-Za-z]([-]*[A-Za-z0-9])*(\.[A-Za-z0-9]([-]*[A-Za-z0-9])*)+$")


class IdlError(Exception):
    pass


class Token:
    def __init__(self, text, line, col):
        self.text = text
        self.line = line
        self.col = col


def tokenize(text, path):
    """Splits IDL text into tokens, dropping whitespace and # comments."""
    tokens = []
    pos = 0
    line = 1
    line_start = 0
    while pos < len(text):
        m = TOKEN_RE.match(text, pos)
        if not m:
            raise IdlError("%s:%d:%d: unexpected character %r"
                           % (path, line, pos - line_start + 1, text[pos]))
        kind = m.lastgroup
        if kind not in ("ws", "comment"):
            tokens.append(Token(m.group(), line, pos - line_start + 1))
        for i in range(m.start(), m.end()):
            if text[i] == "\n":
                line += 1
                line_start = i + 1
        pos = m.end()
    return tokens


class Parser:
    """Recursive-descent parser for the varlink.org IDL grammar.

    Types are normalised to strings: "int", "[]Foo", "[string]?bool",
    "(a: int, b: []string)" for anonymous structs, "(x, y)" for enums.
    """

    def __init__(self, text, path):
        self.path = path
        self.tokens = tokenize(text, path)
        self.pos = 0

    def error(self, msg):
        if self.pos < len(self.tokens):
            t = self.tokens[self.pos]
            where = "%s:%d:%d" % (self.path, t.line, t.col)
            msg = "%s (at %r)" % (msg, t.text)
        else:
            where = "%s: end of file" % self.path
        return IdlError("%s: %s" % (where, msg))

    def peek(self, offset=0):
        i = self.pos + offset
        return self.tokens[i].text if i < len(self.tokens) else None

    def take(self, expected=None):
        tok = self.peek()
        if tok is None or (expected is not None and tok != expected):
            raise self.error("expected %r" % (expected or "a token"))
        self.pos += 1
        return tok

    def take_name(self, what, regex):
        tok = self.peek()
        if tok is None or not regex.match(tok):
            raise self.error("expected %s" % what)
        self.pos += 1
        return tok

    def parse_type(self):
        tok = self.peek()
        if tok == "?":
            self.take()
            if self.peek() == "?":
                raise self.error("double '?'")
            return "?" + self.parse_type()
        if tok == "[":
            self.take("[")
            if self.peek() == "]":
                self.take("]")
                return "[]" + self.parse_type()
            self.take("string")
            self.take("]")
            return "[string]" + self.parse_type()
        if tok == "(":
            return self.parse_struct_type()
        if tok in PRIMITIVES:
            self.take()
            return tok
        return self.take_name("a type", NAME_RE)

    def parse_fields(self):
        """Parses "( ... )"; returns ("struct", [(name, type)]) or ("enum", [names])."""
        self.take("(")
        fields = []
        kind = None
        if self.peek() == ")":
            self.take(")")
            return "struct", fields
        while True:
            name = self.take_name("a field name", FIELD_RE)
            if kind is None:
                kind = "struct" if self.peek() == ":" else "enum"
            if kind == "struct":
                self.take(":")
                fields.append((name, self.parse_type()))
            else:
                fields.append(name)
            if self.peek() == ",":
                self.take(",")
                if self.peek() == ")":
                    raise self.error("trailing ','")
                continue
            self.take(")")
            return kind, fields

    def parse_struct_type(self):
        kind, fields = self.parse_fields()
        if kind == "enum":
            return "(" + ", ".join(fields) + ")"
        return "(" + ", ".join("%s: %s" % f for f in fields) + ")"

    def parse_struct_fields(self, what):
        """Parses a parenthesised list that must be a struct (method/error)."""
        kind, fields = self.parse_fields()
        if kind == "enum":
            raise self.error("%s must be a struct, not an enum" % what)
        return fields

    def parse(self):
        self.take("interface")
        iface = {
            "name": self.take_name("an interface name", INTERFACE_RE),
            "members": [],  # (kind, name) in declaration order
            "types": {},
            "methods": {},
            "errors": {},
        }
        while self.peek() is not None:
            line = self.tokens[self.pos].line
            keyword = self.take()
            if keyword == "type":
                name = self.take_name("a type name", NAME_RE)
                if self.peek() != "(":
                    raise self.error("a type declaration needs '('")
                kind, fields = self.parse_fields()
                if kind == "enum":
                    value = ("enum", fields)
                else:
                    value = ("struct", fields)
                table = iface["types"]
            elif keyword == "method":
                name = self.take_name("a method name", NAME_RE)
                fields_in = self.parse_struct_fields("method input")
                self.take("->")
                fields_out = self.parse_struct_fields("method output")
                value = (fields_in, fields_out)
                table = iface["methods"]
            elif keyword == "error":
                name = self.take_name("an error name", NAME_RE)
                value = self.parse_struct_fields("error")
                table = iface["errors"]
            else:
                self.pos -= 1
                raise self.error("expected 'type', 'method' or 'error'")
            for kind_name, other in (("type", "types"), ("method", "methods"),
                                     ("error", "errors")):
                if name in iface[other]:
                    raise IdlError("%s:%d: %s %s already declared as a %s"
                                   % (self.path, line, keyword, name, kind_name))
            table[name] = value
            iface["members"].append((keyword, name))
        return iface


def type_refs(type_str):
    """Named types referenced by a normalised type string."""
    return set(re.findall(r"\b[A-Z][A-Za-z0-9]*\b", type_str))


def check_refs(iface, path):
    """Problems with references to undeclared types within one file."""
    problems = []
    known = set(iface["types"])

    def check(where, fields):
        for fname, ftype in fields:
            for ref in sorted(type_refs(ftype) - known):
                problems.append("%s: %s field %s uses undeclared type %s"
                                % (path, where, fname, ref))

    for name, (kind, fields) in iface["types"].items():
        if kind == "struct":
            check("type %s" % name, fields)
    for name, (fin, fout) in iface["methods"].items():
        check("method %s input" % name, fin)
        check("method %s output" % name, fout)
    for name, fields in iface["errors"].items():
        check("error %s" % name, fields)
    return problems


def fmt_field(field):
    return "%s: %s" % field if isinstance(field, tuple) else field


def compare_fields(where, want, got):
    """Differences between two field lists (contract first)."""
    diffs = []
    if want == got:
        return diffs
    want_names = [f[0] if isinstance(f, tuple) else f for f in want]
    got_names = [f[0] if isinstance(f, tuple) else f for f in got]
    for f in want:
        n = f[0] if isinstance(f, tuple) else f
        if n not in got_names:
            diffs.append("%s: field '%s' missing" % (where, fmt_field(f)))
    for f in got:
        n = f[0] if isinstance(f, tuple) else f
        if n not in want_names:
            diffs.append("%s: field '%s' not in the contract" % (where, fmt_field(f)))
    want_map = dict((f[0], f[1]) for f in want if isinstance(f, tuple))
    got_map = dict((f[0], f[1]) for f in got if isinstance(f, tuple))
    for n in want_names:
        if n in want_map and n in got_map and want_map[n] != got_map[n]:
            diffs.append("%s: field '%s' has type %s, contract says %s"
                         % (where, n, got_map[n], want_map[n]))
    common_want = [n for n in want_names if n in got_names]
    common_got = [n for n in got_names if n in want_names]
    if common_want != common_got:
        diffs.append("%s: field order differs:\n    contract: %s\n    idl:      %s"
                     % (where, ", ".join(common_want), ", ".join(common_got)))
    return diffs


def compare(contract, idl, any_order):
    diffs = []
    if contract["name"] != idl["name"]:
        diffs.append("interface name is %s, contract says %s" % (idl["name"], contract["name"]))

    for kind, table in (("type", "types"), ("method", "methods"), ("error", "errors")):
        want = contract[table]
        got = idl[table]
        for name in want:
            if name not in got:
                diffs.append("%s %s: missing" % (kind, name))
        for name in got:
            if name not in want:
                diffs.append("%s %s: not in the contract" % (kind, name))
        for name in want:
            if name not in got:
                continue
            where = "%s %s" % (kind, name)
            if kind == "type":
                (wk, wf), (gk, gf) = want[name], got[name]
                if wk != gk:
                    diffs.append("%s: is a %s, contract says %s" % (where, gk, wk))
                else:
                    diffs.extend(compare_fields(where, wf, gf))
            elif kind == "method":
                diffs.extend(compare_fields(where + " input", want[name][0], got[name][0]))
                diffs.extend(compare_fields(where + " output", want[name][1], got[name][1]))
            else:
                diffs.extend(compare_fields(where, want[name], got[name]))

    if not any_order:
        common = set(contract["members"]) & set(idl["members"])
        want_order = [m for m in contract["members"] if m in common]
        got_order = [m for m in idl["members"] if m in common]
        if want_order != got_order:
            for i, (w, g) in enumerate(zip(want_order, got_order)):
                if w != g:
                    diffs.append("declaration order differs: declaration %d is %s %s, "
                                 "contract has %s %s there" % (i + 1, g[0], g[1], w[0], w[1]))
                    break
    return diffs


def load(path):
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except (OSError, UnicodeDecodeError) as e:
        raise IdlError("%s: %s" % (path, e))
    return Parser(text, path).parse()


def main(argv):
    args = argv[1:]
    any_order = False
    if args and args[0] == "--any-order":
        any_order = True
        args = args[1:]
    if len(args) != 2 or args[0].startswith("-"):
        sys.stderr.write("usage: %s [--any-order] CONTRACT IDL\n" % argv[0])
        return 2
    contract_path, idl_path = args
    try:
        contract = load(contract_path)
        idl = load(idl_path)
    except IdlError as e:
        sys.stderr.write("error: %s\n" % e)
        return 2

    diffs = check_refs(contract, contract_path) + check_refs(idl, idl_path)
    diffs += compare(contract, idl, any_order)
    for d in diffs:
        print(d)
    if diffs:
        print("%d difference(s) between %s and %s" % (len(diffs), contract_path, idl_path))
        return 1
    print("OK: %s matches %s: interface %s, %d types, %d methods, %d errors"
          % (idl_path, contract_path, idl["name"], len(idl["types"]),
             len(idl["methods"]), len(idl["errors"])))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
