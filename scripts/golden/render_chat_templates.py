#!/usr/bin/env python3
"""Writes the chat-template golden files that jllm's Java tests compare against, byte for byte.

The reference is Python jinja2, set up exactly the way Hugging Face transformers sets it up for
apply_chat_template (src/transformers/utils/chat_template_utils.py): an ImmutableSandboxedEnvironment
with trim_blocks and lstrip_blocks, the loopcontrols extension and the {% generation %} tag, a tojson
filter that is json.dumps(ensure_ascii=False, ...), and the globals raise_exception and strftime_now.
Templates are rendered with messages, tools, documents=None, add_generation_prompt and the special
tokens of the tokenizer, then any extra keyword arguments, as transformers passes them.

Usage: python3 scripts/golden/render_chat_templates.py [--tokenizers target/tokenizers]

Outputs, under jllm-core/src/test/resources/chat-templates/:
  golden/templates.json        where each template comes from (a tokenizer_config.json or a .jinja file)
  golden/<template>/<case>.json the case's inputs
  golden/<template>/<case>.out  the rendered prompt, exact bytes (UTF-8), or
  golden/<template>/<case>.err  the message the template raised
  interpreter-cases.json        small templates exercising the interpreter, with jinja2's output or error
                                (a case's context goes in as extra keyword arguments, its "messages" as messages)
  random-cases.json             seeded random expressions, tag structures and conversations (random_cases.py)
"""

import argparse
import copy
import json
import shutil
from datetime import datetime
from pathlib import Path

import jinja2
from jinja2.ext import Extension, loopcontrols
from jinja2.sandbox import ImmutableSandboxedEnvironment

import random_cases
from interpreter_cases import INTERPRETER_CASES

ROOT = Path(__file__).resolve().parents[2]
RESOURCES = ROOT / "jllm-core/src/test/resources/chat-templates"
SPECIAL_TOKENS_ATTRIBUTES = ["bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token",
                             "mask_token", "additional_special_tokens"]

# strftime_now reads the clock in transformers; the interpreter cases pin it to this moment so that the
# Java test can render the same text with a fixed clock.
FIXED_NOW = datetime(2024, 7, 26, 9, 5, 3, 123456)


class GenerationTag(Extension):
    """transformers' {% generation %}...{% endgeneration %}: renders its body (the tracking is not rendered)."""

    tags = {"generation"}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(["name:endgeneration"], drop_needle=True)
        return jinja2.nodes.CallBlock(self.call_method("_render"), [], [], body).set_lineno(lineno)

    def _render(self, caller):
        return caller()


def make_environment(now=datetime.now):
    def raise_exception(message):
        raise jinja2.exceptions.TemplateError(message)

    def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
        return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)

    def strftime_now(format):
        return now().strftime(format)

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True,
                                        extensions=[GenerationTag, loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = strftime_now
    return env


def special_tokens_of(config):
    """transformers' special_tokens_map: every special token that is set, as text."""
    tokens = {}
    for attribute in SPECIAL_TOKENS_ATTRIBUTES:
        value = config.get(attribute)
        if isinstance(value, dict):
            value = value["content"]
        elif isinstance(value, list):
            value = [v["content"] if isinstance(v, dict) else v for v in value]
        if value:
            tokens[attribute] = value
    return tokens


def render(env, source, special_tokens, messages, tools, add_generation_prompt, extra):
    template = env.from_string(source)
    context = {**special_tokens, **extra}
    return template.render(messages=messages, tools=tools, documents=None,
                           add_generation_prompt=add_generation_prompt, **context)


# ---------------------------------------------------------------------------------------------------------
# Shared conversation pieces

WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_current_weather",
        "description": "Get the current weather in a given location",
        "parameters": {
            "type": "object",
            "properties": {
                "location": {"type": "string", "description": "The city and state, e.g. San Francisco, CA"},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
                "days": {"type": "integer", "minimum": 1, "maximum": 14, "default": 1},
            },
            "required": ["location"],
        },
    },
}

SEARCH_TOOL = {
    "type": "function",
    "function": {
        "name": "search_flights",
        "description": "Search flights between two airports; prices in \"EUR\" \\ per seat.\nReturns a list.",
        "parameters": {
            "type": "object",
            "properties": {
                "route": {
                    "type": "object",
                    "properties": {
                        "from": {"type": "string", "description": "IATA code, e.g. 'PEK' (北京)"},
                        "to": {"type": "string"},
                    },
                    "required": ["from", "to"],
                },
                "passengers": {"type": "array", "items": {"type": "object", "properties": {
                    "age": {"type": "number"}, "name": {"type": "string"}}}},
                "max_price": {"type": ["number", "null"], "default": 999.5},
                "direct_only": {"type": "boolean", "default": False},
            },
            "required": ["route"],
        },
    },
}

TOOLS = [WEATHER_TOOL, SEARCH_TOOL]

WEATHER_ARGS = {"location": "Paris, France", "unit": "celsius", "days": 2}
FLIGHT_ARGS = {"route": {"from": "PEK", "to": "CDG"}, "passengers": [{"age": 34, "name": "Lǐ \"Leo\""}],
               "max_price": 850.0, "direct_only": True}

SYSTEM = {"role": "system", "content": "You are a helpful assistant."}
USER = {"role": "user", "content": "Hello! How are you?"}


def multi_turn():
    return [SYSTEM, USER,
            {"role": "assistant", "content": "I'm doing well, thank you. How can I help?"},
            {"role": "user", "content": "Tell me a joke about compilers."}]


def tool_conversation(arguments_as_string=False, content=""):
    def args(value):
        return json.dumps(value, ensure_ascii=False) if arguments_as_string else value

    return [
        {"role": "system", "content": "You are a travel agent."},
        {"role": "user", "content": "What's the weather in Paris, and find me a flight from Beijing?"},
        {"role": "assistant", "content": content, "tool_calls": [
            {"id": "call00001", "type": "function", "function": {"name": "get_current_weather",
                                                                 "arguments": args(WEATHER_ARGS)}},
            {"id": "call00002", "type": "function", "function": {"name": "search_flights",
                                                                 "arguments": args(FLIGHT_ARGS)}},
        ]},
        {"role": "tool", "tool_call_id": "call00001", "name": "get_current_weather",
         "content": "{\"temperature\": 21.5, \"condition\": \"sunny\"}"},
        {"role": "tool", "tool_call_id": "call00002", "name": "search_flights",
         "content": "[{\"flight\": \"CA933\", \"price\": 812}]"},
        {"role": "assistant", "content": "It is 21.5°C and sunny in Paris. Flight CA933 costs 812 EUR."},
        {"role": "user", "content": "Book it, please."},
    ]


def single_tool_conversation(arguments_as_string=False):
    arguments = json.dumps(WEATHER_ARGS) if arguments_as_string else WEATHER_ARGS
    return [
        {"role": "system", "content": "You are a weather bot."},
        {"role": "user", "content": "What's the weather in Paris?"},
        {"role": "assistant", "tool_calls": [
            {"id": "call00001", "type": "function",
             "function": {"name": "get_current_weather", "arguments": arguments}}]},
        {"role": "tool", "tool_call_id": "call00001", "name": "get_current_weather",
         "content": "{\"temperature\": 21.5, \"condition\": \"sunny\"}"},
        {"role": "assistant", "content": "It is 21.5°C and sunny."},
        {"role": "user", "content": "Thanks!"},
    ]


UNICODE = [{"role": "system", "content": "你是一个乐于助人的助手。🤖"},
           {"role": "user", "content": "你好,请问你叫什么?😀 Ünïcödé — ‘quotes’ 𝔘"},
           {"role": "assistant", "content": "我叫通义千问。👋"},
           {"role": "user", "content": "مرحبا\u200b! Zero-width and RTL\u202e text."}]

ESCAPES = [{"role": "system", "content": "Line one\nLine \"two\"\\ with 'quotes'\t\ttabs"},
           {"role": "user", "content": "  Path: C:\\Users\\me\\x.txt\r\n{\"json\": [1, 2]}\u0001\u007f  "},
           {"role": "assistant", "content": "\n\nSure:\n```\nprint(\"hi\\n\")\n```\n"},
           {"role": "user", "content": "{{ not a template }} {% neither %}"}]

EMPTY = [{"role": "system", "content": ""}, {"role": "user", "content": ""},
         {"role": "assistant", "content": ""}, {"role": "user", "content": " "}]


def case(messages, tools=None, add_generation_prompt=True, **extra):
    return {"messages": messages, "tools": tools, "add_generation_prompt": add_generation_prompt, "extra": extra}


COMMON = {
    "single_user": case([USER]),
    "system_user": case([SYSTEM, USER]),
    "multi_turn": case(multi_turn()),
    "multi_turn_no_generation_prompt": case(multi_turn(), add_generation_prompt=False),
    "unicode": case(UNICODE),
    "escapes": case(ESCAPES),
    "empty_content": case(EMPTY),
}

QWEN3_CASES = {
    **COMMON,
    "tools": case(tool_conversation(), TOOLS),
    "tools_string_arguments": case(tool_conversation(arguments_as_string=True), TOOLS),
    "tools_with_content": case(tool_conversation(content="Let me check both."), TOOLS),
    "tools_no_system": case(tool_conversation()[1:], TOOLS),
    "tools_pending_response": case(tool_conversation()[:5], TOOLS, add_generation_prompt=True),
    "enable_thinking_false": case(multi_turn(), enable_thinking=False),
    "enable_thinking_true": case(multi_turn(), enable_thinking=True),
    "reasoning_content": case([
        USER,
        {"role": "assistant", "content": "I'm fine.", "reasoning_content": "The user greets me.\nI answer."},
        {"role": "user", "content": "And now?"},
        {"role": "assistant", "content": "Still fine.", "reasoning_content": "\nShort again.\n"},
    ], add_generation_prompt=False),
    "think_in_content": case([
        USER,
        {"role": "assistant", "content": "<think>\nThey greet me.\n</think>\n\nHi there!"},
        {"role": "user", "content": "Bye"},
        {"role": "assistant", "content": "<think>\nFarewell.\n</think>\n\nGoodbye!"},
    ], add_generation_prompt=False),
    "tool_response_as_user_content": case([
        {"role": "user", "content": "Question"},
        {"role": "assistant", "content": "<think>\nCall tool.\n</think>\n\n", "tool_calls": [
            {"type": "function", "function": {"name": "get_current_weather", "arguments": WEATHER_ARGS}}]},
        {"role": "user", "content": "<tool_response>\n{\"ok\": true}\n</tool_response>"},
        {"role": "assistant", "content": "<think>\nDone.\n</think>\n\nAll good."},
    ], TOOLS, add_generation_prompt=False),
}

QWEN25_CASES = {
    **COMMON,
    "tools": case(tool_conversation(), TOOLS),
    "tools_string_arguments": case(tool_conversation(arguments_as_string=True), TOOLS),
    "tools_with_content": case(tool_conversation(content="Let me check both."), TOOLS),
    "tools_no_system": case(tool_conversation()[1:], TOOLS),
    "tools_null_content": case([USER, {"role": "assistant", "content": None, "tool_calls": [
        {"type": "function", "function": {"name": "get_current_weather", "arguments": WEATHER_ARGS}}]}], TOOLS),
}

LLAMA3_CASES = dict(COMMON)

LLAMA31_CASES = {
    **COMMON,
    "date_string": case([SYSTEM, USER], date_string="01 Jan 2025"),
    "tools_in_user_message": case(single_tool_conversation(), TOOLS, date_string="26 Jul 2024"),
    "tools_in_system_message": case(single_tool_conversation(), TOOLS, tools_in_user_message=False,
                                    date_string="15 Mar 2025"),
    "tools_string_arguments": case(single_tool_conversation(arguments_as_string=True), TOOLS,
                                   date_string="26 Jul 2024"),
    "custom_tools": case([SYSTEM, USER], custom_tools=[WEATHER_TOOL], date_string="26 Jul 2024"),
    "builtin_tools": case([
        SYSTEM,
        {"role": "user", "content": "Search for the weather"},
        {"role": "assistant", "tool_calls": [{"type": "function", "function": {
            "name": "brave_search", "arguments": {"query": "weather \"Paris\" today"}}}]},
        {"role": "ipython", "content": {"results": [{"title": "Sunny", "score": 0.9}]}},
    ], builtin_tools=["brave_search", "wolfram_alpha", "code_interpreter"], date_string="26 Jul 2024"),
    "error_two_tool_calls": case(tool_conversation(), TOOLS, date_string="26 Jul 2024"),
    "error_tools_without_user": case([SYSTEM], TOOLS, date_string="26 Jul 2024"),
}

ALTERNATING = [USER, {"role": "assistant", "content": " Fine, thanks. "}, {"role": "user", "content": "Great"}]

LLAMA2_CASES = {
    "single_user": case([USER]),
    "system_user": case([SYSTEM, USER]),
    "multi_turn": case(multi_turn()),
    "unicode": case(UNICODE[1:]),
    "escapes": case(ESCAPES[1:]),
    "alternating": case(ALTERNATING),
    "error_not_alternating": case([USER, USER]),
    "error_assistant_first": case([{"role": "assistant", "content": "Hi"}]),
}

MISTRAL01_CASES = {
    "single_user": case([USER]),
    "multi_turn": case(multi_turn()[1:]),
    "unicode": case(UNICODE[1:]),
    "alternating": case(ALTERNATING),
    "error_not_alternating": case([USER, {"role": "assistant", "content": "a"}, {"role": "assistant", "content": "b"}]),
    "error_system_role": case([SYSTEM, USER]),
}

MISTRAL03_CASES = {
    "single_user": case([USER]),
    "system_user": case([SYSTEM, USER]),
    "multi_turn": case(multi_turn()),
    "unicode": case(UNICODE),
    "escapes": case(ESCAPES),
    "tools": case(tool_conversation(), TOOLS),
    "tools_string_arguments": case(tool_conversation(arguments_as_string=True), TOOLS),
    "error_not_alternating": case([USER, USER]),
    "error_bad_tool_call_id": case([USER, {"role": "assistant", "tool_calls": [
        {"id": "x", "type": "function", "function": {"name": "get_current_weather", "arguments": WEATHER_ARGS}}]}],
        TOOLS),
    "error_unknown_role": case([USER, {"role": "assistant", "content": "a"}, {"role": "critic", "content": "b"}]),
}

LLAMA2_SPECIAL = {"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>"}

# name -> (where the template comes from, special tokens for .jinja templates, cases)
TEMPLATES = {
    "qwen3": ({"tokenizer": "qwen3"}, QWEN3_CASES),
    "llama3": ({"tokenizer": "llama3"}, LLAMA3_CASES),
    "llama3.1": ({"file": "llama3.1-instruct.jinja",
                  "special_tokens": {"bos_token": "<|begin_of_text|>", "eos_token": "<|eot_id|>"}}, LLAMA31_CASES),
    "qwen2.5": ({"file": "qwen2.5-instruct.jinja",
                 "special_tokens": {"eos_token": "<|im_end|>", "pad_token": "<|endoftext|>"}}, QWEN25_CASES),
    "llama2": ({"file": "llama2-chat.jinja", "special_tokens": LLAMA2_SPECIAL}, LLAMA2_CASES),
    "mistral-v0.1": ({"file": "mistral-7b-instruct-v0.1.jinja", "special_tokens": LLAMA2_SPECIAL}, MISTRAL01_CASES),
    "mistral-v0.3": ({"file": "mistral-7b-instruct-v0.3.jinja", "special_tokens": LLAMA2_SPECIAL}, MISTRAL03_CASES),
}


def template_source(origin, tokenizers):
    if "tokenizer" in origin:
        config = json.loads((tokenizers / origin["tokenizer"] / "tokenizer_config.json").read_text(encoding="utf-8"))
        return config["chat_template"], special_tokens_of(config)
    return (RESOURCES / "templates" / origin["file"]).read_text(encoding="utf-8"), origin["special_tokens"]


def write_bytes(path, text):
    path.write_bytes(text.encode("utf-8"))


def write_chat_goldens(tokenizers):
    golden = RESOURCES / "golden"
    if golden.exists():
        shutil.rmtree(golden)
    golden.mkdir(parents=True)
    env = make_environment()
    manifest = {}
    count = 0
    for name, (origin, cases) in TEMPLATES.items():
        manifest[name] = origin
        source, special_tokens = template_source(origin, tokenizers)
        directory = golden / name
        directory.mkdir()
        for case_name, inputs in cases.items():
            (directory / f"{case_name}.json").write_text(
                json.dumps(inputs, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
            try:
                output = render(env, source, special_tokens, inputs["messages"], inputs["tools"],
                                inputs["add_generation_prompt"], inputs["extra"])
                write_bytes(directory / f"{case_name}.out", output)
                if case_name.startswith("error_"):
                    raise SystemExit(f"{name}/{case_name} was expected to raise but rendered")
            except jinja2.exceptions.TemplateError as e:
                if not case_name.startswith("error_"):
                    raise
                write_bytes(directory / f"{case_name}.err", str(e))
            count += 1
    (golden / "templates.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return count


def write_interpreter_cases():
    env = make_environment(now=lambda: FIXED_NOW)
    out = []
    for name, template, context in INTERPRETER_CASES:
        entry = {"name": name, "template": template, "context": context}
        extra = {key: value for key, value in context.items() if key != "messages"}
        try:
            entry["output"] = render(env, template, {}, context.get("messages", []), None, False, extra)
        except jinja2.exceptions.TemplateSyntaxError as e:
            entry["error"] = {"type": "TemplateSyntaxError", "message": e.message, "line": e.lineno}
        except Exception as e:  # noqa: BLE001 - every jinja2 failure is a case outcome to record
            entry["error"] = {"type": type(e).__name__, "message": str(e)}
        out.append(entry)
    (RESOURCES / "interpreter-cases.json").write_text(
        json.dumps({"fixed_now": FIXED_NOW.isoformat(), "cases": out}, ensure_ascii=False, indent=1) + "\n",
        encoding="utf-8")
    return len(out)


def outcome(render_once):
    """jinja2's output, or its error as {type, message}: every failure is an outcome to reproduce."""
    try:
        return {"output": render_once()}
    except Exception as e:  # noqa: BLE001
        return {"error": {"type": type(e).__name__, "message": str(e)}}


def write_random_cases(tokenizers):
    env = make_environment()
    context = random_cases.EXPRESSION_CONTEXT
    # deepcopy: jinja2's indent filter appends to a list it is given, which must not leak into later cases.
    expressions = [{"template": t, **outcome(lambda: env.from_string(t).render(**copy.deepcopy(context)))}
                   for t in random_cases.expressions(seed=1, count=1200)]
    structures = [{"template": t, **outcome(lambda: env.from_string(t).render(x="X"))}
                  for t in random_cases.structures(seed=2, count=800)]
    tool_sets = {None: None, "all": TOOLS, "first": TOOLS[:1]}
    chats = []
    for index, (name, (origin, _)) in enumerate(TEMPLATES.items()):
        source, special_tokens = template_source(origin, tokenizers)
        for inputs in random_cases.chats(seed=100 + index, count=40):
            result = outcome(lambda: render(env, source, special_tokens, copy.deepcopy(inputs["messages"]),
                                            tool_sets[inputs["tools"]], inputs["add_generation_prompt"], inputs["extra"]))
            chats.append({"template": name, **inputs, **result})
    def dump(value):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))

    # One case per line, so that a regenerated file diffs case by case.
    lines = ["{", f'"expression_context": {dump(context)},', '"structure_context": {"x": "X"},', f'"tools": {dump(TOOLS)},']
    for key, cases in (("expressions", expressions), ("structures", structures), ("chats", chats)):
        lines.append(f'"{key}": [')
        lines.extend(dump(case) + ("," if i + 1 < len(cases) else "") for i, case in enumerate(cases))
        lines.append("]" + ("," if key != "chats" else ""))
    lines.append("}")
    (RESOURCES / "random-cases.json").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(expressions) + len(structures) + len(chats)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tokenizers", type=Path, default=ROOT / "target/tokenizers",
                        help="directory holding qwen3/ and llama3/ tokenizer_config.json (scripts/fetch-tokenizers.sh)")
    args = parser.parse_args()
    chats = write_chat_goldens(args.tokenizers)
    units = write_interpreter_cases()
    randoms = write_random_cases(args.tokenizers)
    print(f"jinja2 {jinja2.__version__}: wrote {chats} chat-template goldens, {units} interpreter cases"
          f" and {randoms} random cases")


if __name__ == "__main__":
    main()
