"""Python's lexical rules, restated for DuckDB's RE2 regular expressions.

frictionless-py judges cells with Python: `str.strip()`, `int()`, `Decimal()`, `re.match()` and
`datetime.strptime()`. Those accept more than their ASCII look suggests (any Unicode decimal digit,
Unicode whitespace, underscores in numbers) and Python's `re` differs from RE2 (`\\d` is Unicode in
Python, ASCII in RE2; `$` also matches before a final newline). This module builds the RE2 text
and the SQL helpers that make DuckDB answer exactly as Python does.
"""

from __future__ import annotations


from ..sqltext import quote_literal


class SchemaNotSupported(ValueError):
    """A schema rule the SQL validator cannot judge exactly as frictionless-py does."""


def _ranges(chars: list[str]) -> str:
    """An RE2 character-class body for a sorted list of characters, with ranges where they run."""
    out: list[str] = []
    i = 0
    codes = sorted(ord(c) for c in chars)
    while i < len(codes):
        j = i
        while j + 1 < len(codes) and codes[j + 1] == codes[j] + 1:
            j += 1
        lo, hi = codes[i], codes[j]
        out.append(f"\\x{{{lo:x}}}" if lo == hi else f"\\x{{{lo:x}}}-\\x{{{hi:x}}}")
        i = j + 1
    return "".join(out)


# Python 3.11 (Unicode 14.0) tables, written out so that importing costs nothing; a test checks
# them against unicodedata. Whitespace: what str.strip() removes and Python's `re` calls \s.
PY_WHITESPACE = [chr(c) for c in (0x9, 0xA, 0xB, 0xC, 0xD, 0x1C, 0x1D, 0x1E, 0x1F, 0x20, 0x85, 0xA0, 0x1680,
                                   *range(0x2000, 0x200B), 0x2028, 0x2029, 0x202F, 0x205F, 0x3000)]
# The zero of every non-ASCII run of ten Unicode decimal digits (category Nd).
ND_ZEROS = (0x660, 0x6F0, 0x7C0, 0x966, 0x9E6, 0xA66, 0xAE6, 0xB66, 0xBE6, 0xC66, 0xCE6, 0xD66, 0xDE6, 0xE50,
            0xED0, 0xF20, 0x1040, 0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0, 0x1A80, 0x1A90, 0x1B50, 0x1BB0,
            0x1C40, 0x1C50, 0xA620, 0xA8D0, 0xA900, 0xA9D0, 0xA9F0, 0xAA50, 0xABF0, 0xFF10, 0x104A0, 0x10D30,
            0x11066, 0x110F0, 0x11136, 0x111D0, 0x112F0, 0x11450, 0x114D0, 0x11650, 0x116C0, 0x11730, 0x118E0,
            0x11950, 0x11C50, 0x11D50, 0x11DA0, 0x16A60, 0x16AC0, 0x16B50, 0x1D7CE, 0x1D7D8, 0x1D7E2, 0x1D7EC,
            0x1D7F6, 0x1E140, 0x1E2F0, 0x1E950, 0x1FBF0)

WS = _ranges(PY_WHITESPACE)                 # class body: use as f"[{WS}]"
# Python's \d in str patterns: exactly Python's decimal digits (RE2's \p{Nd} follows a newer Unicode).
ND_BODY = "0-9" + "".join(f"\\x{{{z:x}}}-\\x{{{z + 9:x}}}" for z in ND_ZEROS)
ND = f"[{ND_BODY}]"
NOT_ND = f"[^{ND_BODY}]"


def unicode_digits() -> tuple[str, str]:
    """(from, to) strings for DuckDB translate(): every non-ASCII decimal digit to its ASCII digit."""
    return ("".join(chr(z + k) for z in ND_ZEROS for k in range(10)),
            "".join(str(k) for _ in ND_ZEROS for k in range(10)))


def ascii_digits(expr: str) -> str:
    """SQL: `expr` with every Unicode decimal digit replaced by its ASCII digit (no-op when ASCII)."""
    src, dst = unicode_digits()
    return (f"(case when regexp_matches({expr}, '[^\\x00-\\x7f]') "
            f"then translate({expr}, {quote_literal(src)}, {quote_literal(dst)}) else {expr} end)")


def py_strip(expr: str) -> str:
    """SQL for Python's `expr.strip()` (Unicode whitespace), cheap when there is none to strip."""
    return (f"(case when regexp_matches({expr}, '^[{WS}]|[{WS}]$') "
            f"then regexp_replace({expr}, '^[{WS}]+|[{WS}]+$', '', 'g') else {expr} end)")


_UNSUPPORTED_GROUPS = {
    "(?=": "lookahead", "(?!": "negative lookahead", "(?<=": "lookbehind", "(?<!": "negative lookbehind",
    "(?>": "atomic group", "(?(": "conditional group", "(?P=": "named backreference", "(?#": "comment",
}


def python_regex_to_re2(pattern: str) -> str:
    """Translate a Python `re` pattern (str, no flags) into RE2 with the same meaning.

    Raises SchemaNotSupported for constructs RE2 has no equivalent of (lookarounds, backreferences).
    `\\w` and `\\b` are close but not identical: RE2's Unicode word class is letters, numbers and
    underscore, which is Python's definition except for a few marks and digit-like symbols.
    """
    out: list[str] = []
    i, n = 0, len(pattern)
    in_class = False
    class_start = False
    while i < n:
        ch = pattern[i]
        if ch == "\\":
            if i + 1 >= n:
                raise SchemaNotSupported(f"pattern {pattern!r} ends with a lone backslash")
            nxt = pattern[i + 1]
            i += 2
            if nxt.isdigit() and nxt != "0":
                raise SchemaNotSupported(f"pattern {pattern!r} uses a backreference (\\{nxt})")
            if nxt == "d":
                out.append(ND_BODY if in_class else ND)
            elif nxt == "D":
                if in_class:
                    raise SchemaNotSupported(f"pattern {pattern!r} uses \\D inside a character class")
                out.append(NOT_ND)
            elif nxt == "s":
                out.append(WS if in_class else f"[{WS}]")
            elif nxt == "S":
                if in_class:
                    raise SchemaNotSupported(f"pattern {pattern!r} uses \\S inside a character class")
                out.append(f"[^{WS}]")
            elif nxt == "w":
                out.append(r"\p{L}\p{N}_" if in_class else r"[\p{L}\p{N}_]")
            elif nxt == "W":
                if in_class:
                    raise SchemaNotSupported(f"pattern {pattern!r} uses \\W inside a character class")
                out.append(r"[^\p{L}\p{N}_]")
            elif nxt == "Z":
                out.append(r"\z")
            elif nxt == "A":
                out.append(r"\A")
            elif nxt in "bB" and not in_class:
                out.append("\\" + nxt)
            elif nxt == "b" and in_class:
                out.append(r"\x08")
            elif nxt in "ntrfv":
                out.append("\\" + nxt)
            elif nxt == "a":
                out.append(r"\x07")
            elif nxt == "0":
                out.append(r"\x00")
            elif nxt == "x":
                out.append("\\x" + pattern[i:i + 2])
                i += 2
            elif nxt == "u":
                out.append(f"\\x{{{pattern[i:i + 4]}}}")
                i += 4
            elif nxt == "U":
                out.append(f"\\x{{{pattern[i:i + 8]}}}")
                i += 8
            elif nxt == "N":
                raise SchemaNotSupported(f"pattern {pattern!r} uses a named character (\\N{{...}})")
            elif nxt.isalnum():
                raise SchemaNotSupported(f"pattern {pattern!r} uses the unknown escape \\{nxt}")
            else:
                out.append("\\" + nxt)
            class_start = False
            continue
        if in_class:
            if ch == "]" and not class_start:
                in_class = False
            elif ch == "[" and pattern[i:i + 2] == "[:":
                out.append("\\[")
                i += 1
                class_start = False
                continue
            out.append(ch)
            class_start = class_start and ch == "^"
            i += 1
            continue
        if ch == "[":
            in_class = True
            class_start = True
            out.append(ch)
            i += 1
            if i < n and pattern[i] == "^":
                out.append("^")
                i += 1
            continue
        if ch == "(":
            for prefix, what in _UNSUPPORTED_GROUPS.items():
                if pattern.startswith(prefix, i):
                    raise SchemaNotSupported(f"pattern {pattern!r} uses a {what}, which RE2 cannot run")
            out.append(ch)
            i += 1
            continue
        if ch == "$":
            out.append(r"(?:\n?\z)")      # Python: end of string, or before a final newline
            i += 1
            continue
        if ch == "{":
            close = pattern.find("}", i)
            body = pattern[i + 1:close] if close > 0 else ""
            if body.startswith(",") and body[1:].isdigit():
                out.append("{0" + body + "}")
                i = close + 1
                continue
            if close > 0 and all(p.isdigit() for p in body.split(",") if p) and body and body != ",":
                out.append(pattern[i:close + 1])
                i = close + 1
                continue
            out.append(r"\{")              # a brace that is no quantifier is a literal in Python
            i += 1
            continue
        if ch == "}":
            out.append(r"\}")
            i += 1
            continue
        if ch in "*+?" and i + 1 < n and pattern[i + 1] == "+":
            raise SchemaNotSupported(f"pattern {pattern!r} uses a possessive quantifier")
        out.append(ch)
        i += 1
    if in_class:
        raise SchemaNotSupported(f"pattern {pattern!r} has an unterminated character class")
    return "".join(out)


def python_match_sql(expr: str, pattern: str) -> str:
    """SQL for `bool(re.match(pattern, expr))`: anchored at the start, not at the end."""
    return f"regexp_matches({expr}, {quote_literal(chr(92) + 'A(?:' + python_regex_to_re2(pattern) + ')')})"
