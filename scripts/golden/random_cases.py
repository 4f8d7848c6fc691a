"""Seeded random templates and conversations for differential testing against jinja2.

Hand-written cases test what their author thought of; these find the rest. Three generators, each
deterministic for a given seed:
  expressions  - one {{ expression }} over a fixed context: operators, filters, tests, methods, literals
  structures   - nested if/for/set/macro/raw/comment tags with random whitespace and -/+ modifiers
  chats        - random conversations (odd roles, None or non-string content, tool calls) per real template
"""

import random

EXPRESSION_CONTEXT = {
    "s": "Hello, World! 你好 😀", "e": "", "n": 7, "f": -2.5, "z": 0, "b": True, "l": [3, 1, 2], "ls": ["b", "A", "c"],
    "d": {"k": "v", "n": 1, "nested": {"x": [1, {"y": None}]}},
    "msgs": [{"role": "user", "content": " hi "},
             {"role": "assistant", "content": "yo\n", "tool_calls": [{"function": {"name": "f", "arguments": {"a": 1}}}]}],
    "none": None, "big": 2 ** 70, "tiny": 1e-7, "huge": 1.5e20, "ws": " \t\n x \n",
}

_STRINGS = ["'a'", "'abc'", "''", "' x '", "'A,b,,c'", "'\\n'", "'é'", "'%s'", "'{}'", "'<think>'", "\"q'\"", "'1.5'",
            "'42'"]
_NUMBERS = ["0", "1", "2", "-3", "10", "0.5", "2.0", "1e3", "-0.0", "3.14159", "99"]
_VARIABLES = list(EXPRESSION_CONTEXT) + ["undef", "d.k", "d['n']", "d.nested.x", "d.nested.x[1].y", "msgs[0].content",
                                        "msgs[-1]['role']", "l[0]", "l[1:]", "s[::-1]", "s[2:5]", "ls[::2]",
                                        "msgs|length", "d.missing"]
_FILTERS = ["length", "list", "first", "last", "lower", "upper", "title", "capitalize", "trim", "string", "int", "float",
            "abs", "round", "round(1)", "tojson", "tojson(indent=2)", "join(', ')", "join", "sort", "reverse|list",
            "unique|list", "default('D')", "d('x', true)", "replace('a', 'b')", "items|list", "dictsort",
            "map('upper')|list", "select|list", "reject|list", "wordcount", "center(12)", "indent(2)", "sum", "min",
            "max", "count", "safe", "e", "batch(2)|list", "slice(2)|list", "truncate(10)", "format(1)"]
_TESTS = ["defined", "undefined", "none", "string", "number", "integer", "float", "mapping", "iterable", "sequence",
          "boolean", "true", "false", "odd", "even", "divisibleby 3", "eq 1", "lower", "upper", "in 'abc'"]
_METHODS = ["upper()", "lower()", "strip()", "split()", "split(',')", "startswith('H')", "endswith('!')",
            "replace('l', 'L')", "find('o')", "count('l')", "title()", "capitalize()", "lstrip(' x')", "rstrip('\\n')",
            "items()", "keys()", "values()", "get('k')", "get('q', 1)", "index(1)"]
# No * or **: random operands would build strings and integers too large to print.
_OPERATORS = ["+", "-", "/", "//", "%", "~", "==", "!=", "<", ">=", "and", "or", "in", "not in"]


def expressions(seed, count):
    rng = random.Random(seed)

    def atom(depth):
        r = rng.random()
        if r < 0.25:
            return rng.choice(_STRINGS)
        if r < 0.45:
            return rng.choice(_NUMBERS)
        if r < 0.8:
            return rng.choice(_VARIABLES)
        if r < 0.85:
            return rng.choice(["none", "true", "false"])
        if r < 0.93:
            return "[" + ", ".join(expr(depth + 1) for _ in range(rng.randint(0, 3))) + "]"
        if r < 0.97:
            return "{" + ", ".join(rng.choice(_STRINGS) + ": " + expr(depth + 1) for _ in range(rng.randint(0, 2))) + "}"
        return "(" + expr(depth + 1) + ",)"

    def expr(depth=0):
        if depth > 2:
            return atom(depth)
        r = rng.random()
        if r < 0.3:
            return atom(depth)
        if r < 0.45:
            return "(" + expr(depth + 1) + " " + rng.choice(_OPERATORS) + " " + expr(depth + 1) + ")"
        if r < 0.65:
            return "(" + expr(depth + 1) + ")|" + rng.choice(_FILTERS)
        if r < 0.75:
            return "(" + expr(depth + 1) + " is " + rng.choice(["", "not "]) + rng.choice(_TESTS) + ")"
        if r < 0.85:
            return "(" + expr(depth + 1) + ")." + rng.choice(_METHODS)
        if r < 0.92:
            return "(" + expr(depth + 1) + " if " + expr(depth + 1) + " else " + expr(depth + 1) + ")"
        return "(not " + expr(depth + 1) + ")"

    return ["{{ " + expr() + " }}" for _ in range(count)]


_WHITESPACE = [" ", "  ", "\t", "\n", "\n\n", "\r\n", " \n ", "x", "ab", "\u3000", "\u00a0", "\n  ", "\t\n"]


def structures(seed, count):
    rng = random.Random(seed)

    def ws():
        return "".join(rng.choice(_WHITESPACE) for _ in range(rng.randint(0, 4)))

    def sign():
        return rng.choice(["", "", "-", "+"])

    def tag(name):
        return "{%" + sign() + " " + name + " " + sign() + "%}"

    def block(depth):
        kind = rng.choice(["if", "for", "var", "comment", "raw", "set", "text", "if", "macro"])
        if kind == "if":
            otherwise = rng.choice(["", tag("else") + body(depth + 1)])
            return tag("if " + rng.choice(["true", "false", "x"])) + body(depth + 1) + otherwise + tag("endif")
        if kind == "for":
            return tag("for i in [1, 2]") + body(depth + 1) + tag("endfor")
        if kind == "var":
            return "{{" + sign() + " " + rng.choice(["'v'", "i", "x", "'a\\nb '"]) + " " + sign() + "}}"
        if kind == "comment":
            return "{#" + sign() + " c " + sign() + "#}"
        if kind == "raw":
            return tag("raw") + ws() + "{{ y }}" + ws() + tag("endraw")
        if kind == "set":
            return tag("set x = 'q'")
        if kind == "macro":
            return tag("macro m()") + body(depth + 1) + tag("endmacro") + "{{ m() }}"
        return ws()

    def body(depth=0):
        if depth > 2:
            return ws()
        return "".join(ws() + block(depth) + ws() for _ in range(rng.randint(0, 3)))

    return [body() + ("\n" if rng.random() < 0.3 else "") for _ in range(count)]


_TEXT = list("abcXYZ  \t\n\n\r'\"\\{}%#-+|~") + ["{{", "}}", "{%", "%}", "你好", "😀", "\u0301", "\u200b", "\u00a0",
                                                  "\u2028", "\x01", "\x7f", "<think>", "</think>", "<tool_response>",
                                                  "</tool_response>", "\n\n", "é"]


def chats(seed, count):
    """Conversations; "tools" names which tools go with one: null (none), "all" or "first" of the golden tools."""
    rng = random.Random(seed)

    def text(n=None):
        n = rng.randint(0, 12) if n is None else n
        return "".join(rng.choice(_TEXT) for _ in range(n))

    def arguments():
        values = [lambda: text(), lambda: rng.randint(-5, 10 ** 12), lambda: round(rng.random() * 1e3, 3), lambda: None,
                  lambda: True, lambda: [1, text()], lambda: {"k": text()}, lambda: 1e20, lambda: 0.1]
        return {text(rng.randint(1, 5)): rng.choice(values)() for _ in range(rng.randint(0, 3))}

    def message():
        role = rng.choice(["system", "user", "user", "assistant", "assistant", "tool"])
        content = rng.choice([text(), text(), text(), text(), None, [{"type": "text", "text": text()}], {"k": text()}, 5])
        m = {"role": role, "content": content}
        if rng.random() < 0.05:
            del m["content"]
        if role == "assistant" and rng.random() < 0.3:
            m["tool_calls"] = [{"id": rng.choice(["call00001", "abcdefghi", "x"]), "type": "function",
                                "function": {"name": text(rng.randint(1, 6)),
                                             "arguments": rng.choice([arguments(), str(arguments())])}}
                               for _ in range(rng.randint(1, 2))]
            if rng.random() < 0.5:
                m["content"] = ""
        if role == "assistant" and rng.random() < 0.2:
            m["reasoning_content"] = text()
        if role == "tool":
            m["tool_call_id"] = rng.choice(["call00001", "abcdefghi", "x"])
        return m

    cases = []
    for _ in range(count):
        messages = [message() for _ in range(rng.randint(1, 6))]
        if rng.random() < 0.5:
            messages[0] = {"role": rng.choice(["system", "user"]), "content": text()}
        extra = {}
        if rng.random() < 0.3:
            extra["enable_thinking"] = rng.choice([True, False])
        if rng.random() < 0.3:
            extra["date_string"] = text()
        if rng.random() < 0.2:
            extra["tools_in_user_message"] = rng.choice([True, False])
        if rng.random() < 0.1:
            extra["builtin_tools"] = ["brave_search", "code_interpreter"]
        cases.append({"messages": messages, "tools": rng.choice([None, None, "all", "first"]),
                      "add_generation_prompt": rng.random() < 0.5, "extra": extra})
    return cases
