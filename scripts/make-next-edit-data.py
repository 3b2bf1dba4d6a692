#!/usr/bin/python3
"""Synthetic next-edit examples from real code (issue 22), for training and evaluating a fixture
next-edit model in the prompt layout Specula's next-edit core builds (src/nextEdit/prompt.ts).

Each example is a state of a file just after the user made one edit, and the edit the user would
make next inside a fixed window of lines around the cursor:

  rename   one occurrence of an identifier was renamed; the occurrences left in the window follow.
  param    an argument was appended to one call (or a parameter to the definition); the other calls
           of the same function in the window get the same argument.
  literal  a string or number literal was changed; its repetitions in the window follow.
  none     no edit is needed: the changed token occurs nowhere else in the file, or the user just
           finished a propagation (the window is already consistent). The updated block equals the
           current one.

Sources: JS/TS from the repository's node_modules (minus vscode-jsonrpc, held out entirely: the
completion benchmark's tasks come from it) and Python from Debian's standard library. Files are
deduplicated by content; a deterministic tenth of them (by the content's SHA-256) is held out from
training and used only for the evaluation tasks.

Prompt layout. Sweep Next-Edit is Qwen2.5-Coder fine-tuned on Qwen2.5-Coder's repository layout,
one `<|file_sep|>{path}` header per file (Sweep's blog "Open sourcing a 1.5B parameter Next-Edit
Autocomplete Model", section "Our Format", which quotes Qwen2.5-Coder's technical report). The
blocks and their headers follow the model card of sweepai/sweep-next-edit-v2-7B ("Prompt format"):

    <|file_sep|>{file_path}
    {file_contents}
    {recent_changes_as_diffs}
    <|file_sep|>original/{file_path}:{start}:{end}
    {code_block_before_last_edit}
    <|file_sep|>current/{file_path}:{start}:{end}
    {code_block}
    <|file_sep|>updated/{file_path}:{start}:{end}
    {the model writes the updated block}

with the recent changes as "original:/updated:" blocks, not unified diffs (the card: "Diffs of
recent edits in original:/updated: format"; the blog: a format search over ~30 variants picked
original/updated blocks). Each diff is its own `<|file_sep|>{file_path}.diff` file. The window
has a fixed number of lines that the model always rewrites whole (the blog: fixed 21-line windows
beat AST-based boundaries). Choices of ours, not Sweep's: an 11-line window starting 3 lines above
the cursor (a fixture model has a 1-2 k-token context); the file section is omitted (file context
lines = 0: it would repeat the window for a model that cannot use more); line numbers are 1-based
and inclusive; no cursor marker (v2's `<|cursor|>` is not a special token of Qwen2.5-Coder); every
block line ends with "\\n". The completion is the updated window and nothing else (the trainer
appends <|endoftext|>).

Run with Debian's python (standard library only):
    /usr/bin/python3 scripts/make-next-edit-data.py        # writes .cache/next-edit-{train,eval}.jsonl
"""

import argparse
import hashlib
import json
import os
import random
import re
import sys

# Must agree with src/nextEdit/prompt.ts (NEXT_EDIT_WINDOW_LINES, NEXT_EDIT_LINES_ABOVE_CURSOR).
WINDOW_LINES = 11
LINES_ABOVE_CURSOR = 3
FILE_SEP = "<|file_sep|>"

MAX_LINE_CHARS = 90
MAX_WINDOW_CHARS = 380
HELD_OUT_PACKAGE = "vscode-jsonrpc"
JS_EXTENSIONS = (".js", ".mjs", ".cjs", ".ts", ".mts", ".cts")
EVAL_CONTEXT_LINES = 40

WORDS = ["value", "count", "items", "result", "data", "index", "name", "node", "options", "config",
         "state", "buffer", "target", "source", "entry", "total", "key", "text", "path", "item",
         "list", "map", "size", "limit", "offset", "context", "handler", "callback", "info", "flag"]

JS_KEYWORDS = set("""break case catch class const continue debugger default delete do else export
extends finally for function if import in instanceof new return super switch this throw try typeof
var void while with yield let static enum await implements package protected interface private
public null true false undefined of async get set require module exports console arguments from
as type string number boolean any unknown never object readonly keyof declare namespace""".split())
PY_KEYWORDS = set("""False None True and as assert async await break class continue def del elif
else except finally for from global if import in is lambda nonlocal not or pass raise return try
while with yield self cls print len str int list dict set tuple isinstance super object range
type bool float bytes open""".split())

IDENT = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*")
STRING = re.compile(r"""("[^"\\\n]{2,40}"|'[^'\\\n]{2,40}')""")
NUMBER = re.compile(r"(?<![\w.])\d{2,6}(?![\w.])")


def log(message):
    print(message, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------
# Sources
# ---------------------------------------------------------------------------------------------

def read_text(path):
    try:
        with open(path, "rb") as handle:
            data = handle.read()
        return data.decode("utf-8").replace("\r\n", "\n")
    except (OSError, UnicodeDecodeError):
        return None


def looks_generated(text):
    lines = text.split("\n")
    if len(lines) < 20:
        return True
    if max(len(line) for line in lines) > 1000:
        return True
    return len(text) / len(lines) > 80


def source_paths(node_modules, python_lib):
    paths = []
    for root, dirs, files in os.walk(node_modules):
        parts = os.path.relpath(root, node_modules).split(os.sep)
        if HELD_OUT_PACKAGE in parts or ".bin" in parts or ".cache" in parts:
            dirs[:] = []
            continue
        dirs.sort()
        for name in sorted(files):
            if name.endswith(JS_EXTENSIONS) and not name.endswith(".d.ts") and ".min." not in name:
                paths.append(("js", os.path.join(root, name), os.path.relpath(os.path.join(root, name), node_modules)))
    for root, dirs, files in os.walk(python_lib):
        dirs[:] = sorted(d for d in dirs if d not in ("__pycache__", "site-packages", "dist-packages"))
        for name in sorted(files):
            if name.endswith(".py"):
                paths.append(("py", os.path.join(root, name), os.path.relpath(os.path.join(root, name), python_lib)))
    return paths


def is_held_out(digest):
    """A deterministic tenth of the files, by content, never in the training file."""
    return int(digest[:8], 16) % 10 == 0


# ---------------------------------------------------------------------------------------------
# Edits
# ---------------------------------------------------------------------------------------------

def window_start_for(cursor_line, line_count):
    return max(0, min(cursor_line - LINES_ABOVE_CURSOR, line_count - WINDOW_LINES))


def window_ok(lines, start):
    window = lines[start:start + WINDOW_LINES]
    if len(window) < WINDOW_LINES or sum(len(line) + 1 for line in window) > MAX_WINDOW_CHARS:
        return False
    if any(len(line) > MAX_LINE_CHARS or FILE_SEP in line or "<|endoftext|>" in line for line in window):
        return False
    return sum(1 for line in window if line.strip()) >= 4


def new_identifier(rng, name, taken):
    """A plausible new name in the identifier's own style, not used in the file."""
    snake = "_" in name.strip("_") or name.islower()
    for _ in range(20):
        word = rng.choice(WORDS)
        choice = rng.randrange(4)
        if choice == 0:
            candidate = name + ("_" + word if snake else word.capitalize())
        elif choice == 1:
            candidate = (word + "_" + name) if snake else word + name[:1].upper() + name[1:]
        elif choice == 2:
            parts = re.split(r"(_)|(?=[A-Z])", name)
            parts = [p for p in parts if p]
            if len(parts) < 2:
                continue
            index = rng.randrange(len(parts))
            if parts[index] == "_":
                continue
            replacement = word.capitalize() if parts[index][:1].isupper() else word
            candidate = "".join(parts[:index] + [replacement] + parts[index + 1:])
        else:
            candidate = name + str(rng.randrange(2, 10))
        if candidate != name and candidate not in taken and IDENT.fullmatch(candidate):
            return candidate
    return None


def new_literal(rng, literal):
    if literal[0] in "\"'":
        quote, body = literal[0], literal[1:-1]
        choice = rng.randrange(4)
        if choice == 0:
            body = body + rng.choice(["_", "-", " "]) + rng.choice(WORDS)
        elif choice == 1:
            body = body.upper() if body != body.upper() else body.lower()
        elif choice == 2:
            body = rng.choice(WORDS) + rng.choice(["_", "-", " ", ":"]) + body
        else:
            body = body[:-1] if len(body) > 3 else body + body[-1]
        candidate = quote + body + quote
    else:
        value = int(literal)
        candidate = str(rng.choice([value + 1, value * 2, value * 10, max(0, value - 1)]))
    return candidate if candidate != literal else None


QUOTED = re.compile(r"""'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"|`(?:[^`\\\n]|\\.)*`""")
COMMENT = re.compile(r"(#|//).*$")


def code_only(line):
    """The line with string contents and a trailing comment blanked, columns kept."""
    line = QUOTED.sub(lambda m: m.group(0)[0] + " " * (len(m.group(0)) - 2) + m.group(0)[-1], line)
    return COMMENT.sub(lambda m: " " * len(m.group(0)), line)


def code_view(lines):
    """Each line as code_only sees it, with lines of block comments and docstrings blanked whole."""
    out = []
    inside = None
    for line in lines:
        stripped = line.strip()
        if inside is None:
            for opener, closer in (('"""', '"""'), ("'''", "'''"), ("/*", "*/")):
                at = line.find(opener)
                if at >= 0 and line.find(closer, at + len(opener)) < 0:
                    inside = closer
                    break
            out.append(" " * len(line) if inside or stripped.startswith(("*", "/*")) else code_only(line))
        else:
            out.append(" " * len(line))
            if closer_in(line, inside):
                inside = None
    return out


def closer_in(line, closer):
    return closer in line


CODE_VIEWS = {}


def occurrences(lines, start, end, pattern, token):
    """(line, column) of each whole-token occurrence of `token` in lines[start:end] (identifiers:
    outside strings and comments)."""
    found = []
    for index in range(start, end):
        for match in pattern.finditer(CODE_VIEWS[id(lines)][index] if pattern is IDENT else lines[index]):
            if match.group(0) == token:
                found.append((index, match.start()))
    return found


def replace_at(line, column, old, new):
    assert line[column:column + len(old)] == old
    return line[:column] + new + line[column + len(old):]


def apply_all(lines, places, old, new):
    out = list(lines)
    for index, column in sorted(places, key=lambda p: (p[0], -p[1])):
        out[index] = replace_at(out[index], column, old, new)
    return out


def call_sites(lines, start, end, name):
    """(line, index of the closing paren) of each call or definition `name(...)` closed on its line."""
    found = []
    pattern = re.compile(r"(?<![\w$.])" + re.escape(name) + r"\(")
    for index in range(start, end):
        line = lines[index]
        for match in pattern.finditer(line):
            depth = 0
            for position in range(match.end() - 1, len(line)):
                char = line[position]
                if char in "([{":
                    depth += 1
                elif char in ")]}":
                    depth -= 1
                    if depth == 0:
                        if char == ")":
                            found.append((index, position))
                        break
    return found


def add_argument(line, close, argument):
    """Append `argument` to the parenthesised list closing at `close`."""
    open_index = line.rfind("(", 0, close)
    inside = line[:close].rstrip()
    empty = inside.endswith("(") and line[open_index + 1:close].strip() == ""
    if inside.endswith(","):
        return line[:close].rstrip() + " " + argument + line[close:]
    return line[:close] + ("" if empty else ", ") + argument + line[close:]


class Example:
    def __init__(self, kind, base, current, updated_window, cursor_line, edit_line):
        self.kind = kind
        self.base = base                      # the file before the user's last edit
        self.current = current                # the file now
        self.updated_window = updated_window  # the window after the edit to predict
        self.cursor_line = cursor_line
        self.edit_line = edit_line            # the line the user's last edit changed


def propagate(kind, lines, cursor, place, old, new, window_places, apply):
    """The user changed `place`; the rest of window_places follow (or nothing, for kind none)."""
    current = apply(lines, [place], old, new)
    start = window_start_for(cursor, len(lines))
    updated = apply(lines, window_places, old, new)[start:start + WINDOW_LINES]
    return Example(kind, lines, current, updated, cursor, place[0])


def make_rename(rng, lines, cursor, pattern, keywords, taken, want_edit):
    start = window_start_for(cursor, len(lines))
    names = [m.group(0) for m in pattern.finditer(CODE_VIEWS[id(lines)][cursor])
             if len(m.group(0)) >= 3 and m.group(0) not in keywords and not m.group(0).startswith("__")]
    rng.shuffle(names)
    for name in names:
        everywhere = occurrences(lines, 0, len(lines), pattern, name)
        in_window = occurrences(lines, start, start + WINDOW_LINES, pattern, name)
        here = [p for p in in_window if p[0] == cursor]
        new = new_identifier(rng, name, taken)
        if new is None or not here:
            continue
        # `a.name` and a bare `name` are different things: follow only the edited one's kind.
        dotted = lambda place: lines[place[0]][:place[1]].rstrip().endswith(".")
        everywhere = [p for p in everywhere if dotted(p) == dotted(here[0])]
        in_window = [p for p in in_window if dotted(p) == dotted(here[0])]
        if want_edit and len(in_window) >= 2:
            return propagate("rename", lines, cursor, here[0], name, new, in_window, apply_all)
        if not want_edit and len(everywhere) == 1:
            return propagate("none", lines, cursor, here[0], name, new, in_window, apply_all)
    return None


def make_literal(rng, lines, cursor, want_edit):
    start = window_start_for(cursor, len(lines))
    literals = [m.group(0) for m in STRING.finditer(lines[cursor])] + [m.group(0) for m in NUMBER.finditer(lines[cursor])]
    rng.shuffle(literals)
    for literal in literals:
        pattern = STRING if literal[0] in "\"'" else NUMBER
        everywhere = occurrences(lines, 0, len(lines), pattern, literal)
        in_window = occurrences(lines, start, start + WINDOW_LINES, pattern, literal)
        here = [p for p in in_window if p[0] == cursor]
        new = new_literal(rng, literal)
        if new is None or not here:
            continue
        if want_edit and len(in_window) >= 2:
            return propagate("literal", lines, cursor, here[0], literal, new, in_window, apply_all)
        if not want_edit and len(everywhere) == 1:
            return propagate("none", lines, cursor, here[0], literal, new, in_window, apply_all)
    return None


def make_param(rng, lines, cursor, pattern, keywords, taken, language):
    start = window_start_for(cursor, len(lines))
    names = [m.group(0) for m in re.finditer(r"(?<![\w$.])([A-Za-z_$][\w$]*)\(", lines[cursor])]
    names = [n[:-1] for n in names]
    names = [n for n in names if n not in keywords and len(n) >= 3]
    rng.shuffle(names)
    for name in names:
        sites = call_sites(lines, start, start + WINDOW_LINES, name)
        here = [s for s in sites if s[0] == cursor]
        if len(sites) < 2 or not here:
            continue
        argument = rng.choice([w for w in WORDS if w not in taken] or WORDS)
        # Python refuses a parameter without a default after one with a default.
        keyword_default = language == "py" and any(
            "=" in lines[i][lines[i].rfind("(", 0, c):c] for i, c in sites)
        if keyword_default:
            argument += "=None"

        def apply(source, places, _old, new):
            out = list(source)
            for index, close in sorted(places, key=lambda p: (p[0], -p[1])):
                out[index] = add_argument(out[index], close, new)
            return out

        return propagate("param", lines, cursor, here[0], None, argument, sites, apply)
    return None


def make_done(rng, lines, cursor, pattern, keywords, taken):
    """A rename the user just finished in the window: nothing left to do."""
    example = make_rename(rng, lines, cursor, pattern, keywords, taken, True)
    if example is None:
        return None
    start = window_start_for(cursor, len(lines))
    window = example.updated_window
    changed = [i for i in range(WINDOW_LINES) if window[i] != lines[start + i]]
    last = changed[-1]
    # The file before the last edit: every window occurrence renamed except on the last changed line.
    base = list(lines)
    base[start:start + WINDOW_LINES] = window
    base[start + last] = lines[start + last]
    current = list(lines)
    current[start:start + WINDOW_LINES] = window
    done = Example("none", base, current, list(window), cursor, start + last)
    return done


# ---------------------------------------------------------------------------------------------
# Prompt
# ---------------------------------------------------------------------------------------------

def block(lines):
    return "".join(line + "\n" for line in lines)


def changed_span(before, after):
    """The lines that differ: (first, end in before, end in after), trimming common lines."""
    first = 0
    while first < min(len(before), len(after)) and before[first] == after[first]:
        first += 1
    end_b, end_a = len(before), len(after)
    while end_b > first and end_a > first and before[end_b - 1] == after[end_a - 1]:
        end_b -= 1
        end_a -= 1
    return first, end_b, end_a


def build_prompt(path, example):
    start = window_start_for(example.cursor_line, len(example.current))
    end = start + WINDOW_LINES
    first, end_b, end_a = changed_span(example.base, example.current)
    diff = (FILE_SEP + path + ".diff\n" + "original:\n" + block(example.base[first:end_b])
            + "updated:\n" + block(example.current[first:end_a]))
    header = "%s:%d:%d\n" % (path, start + 1, end)
    prompt = (diff
              + FILE_SEP + "original/" + header + block(example.base[start:end])
              + FILE_SEP + "current/" + header + block(example.current[start:end])
              + FILE_SEP + "updated/" + header)
    return prompt, block(example.updated_window), start


# ---------------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------------

KIND_CAPS = {"rename": 0.38, "none": 0.22}
KIND_WEIGHTS = [("rename", 30), ("param", 25), ("literal", 25), ("none-unique", 10), ("none-done", 10)]


def examples_from_file(rng, text, language, want):
    lines = text.split("\n")
    pattern = IDENT
    keywords = JS_KEYWORDS if language == "js" else PY_KEYWORDS
    taken = set(pattern.findall(text))
    CODE_VIEWS.clear()
    CODE_VIEWS[id(lines)] = code_view(lines)
    # Lines each kind can start from, so that rarer kinds (literals, calls) are sought where they are.
    candidates = {
        "rename": [i for i, line in enumerate(lines) if line.strip()],
        "param": [i for i, line in enumerate(lines) if re.search(r"[\w$]\(", line)],
        "literal": [i for i, line in enumerate(lines) if STRING.search(line) or NUMBER.search(line)],
    }
    candidates["none-unique"] = candidates["rename"]
    candidates["none-done"] = candidates["rename"]
    made = []
    used_windows = set()
    for kind, share in KIND_WEIGHTS:
        quota = max(1, round(want * share / 100))
        found = 0
        for _attempt in range(quota * 25):
            if found >= quota or not candidates[kind]:
                break
            cursor = rng.choice(candidates[kind])
            start = window_start_for(cursor, len(lines))
            if start in used_windows or not window_ok(lines, start):
                continue
            if kind == "rename":
                example = make_rename(rng, lines, cursor, pattern, keywords, taken, True)
            elif kind == "param":
                example = make_param(rng, lines, cursor, pattern, keywords, taken, language)
            elif kind == "literal":
                example = make_literal(rng, lines, cursor, True)
            elif kind == "none-unique":
                example = (make_rename(rng, lines, cursor, pattern, keywords, taken, False)
                           or make_literal(rng, lines, cursor, False))
            else:
                example = make_done(rng, lines, cursor, pattern, keywords, taken)
            if (example is None or not window_ok(example.current, start)
                    or any(len(line) > MAX_LINE_CHARS for line in example.updated_window)):
                continue
            used_windows.add(start)
            made.append(example)
            found += 1
    rng.shuffle(made)
    return made


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parser.add_argument("--node-modules", default=os.path.join(repo, "node_modules"))
    parser.add_argument("--python-lib", default="/usr/lib/python3.11")
    parser.add_argument("--out-dir", default=".cache")
    parser.add_argument("--seed", type=int, default=22)
    parser.add_argument("--max-examples", type=int, default=40000)
    parser.add_argument("--max-bytes", type=int, default=25 * 1024 * 1024 - 65536)
    parser.add_argument("--per-file", type=int, default=48, help="examples per training file at most")
    parser.add_argument("--eval-tasks", type=int, default=400)
    parser.add_argument("--eval-only", action="store_true", help="write only the evaluation tasks")
    args = parser.parse_args()

    rng = random.Random(args.seed)
    paths = source_paths(args.node_modules, args.python_lib)
    seen = set()
    train_files, eval_files = [], []
    for language, path, rel in paths:
        text = read_text(path)
        if text is None or len(text) < 1024 or len(text) > 200_000 or looks_generated(text):
            continue
        if FILE_SEP in text or "<|endoftext|>" in text:
            continue
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        if digest in seen:
            continue
        seen.add(digest)
        entry = (language, path, rel, digest)
        (eval_files if is_held_out(digest) else train_files).append(entry)
    rng.shuffle(train_files)
    rng.shuffle(eval_files)
    log("files: %d for training, %d held out (+ %s entirely)" % (len(train_files), len(eval_files), HELD_OUT_PACKAGE))

    os.makedirs(args.out_dir, exist_ok=True)
    kinds = {}
    written = 0
    count = 0
    train_path = os.path.join(args.out_dir, "next-edit-train.jsonl")
    # Python files are far fewer than JS ones: alternate the two so both languages are well represented.
    js = [f for f in train_files if f[0] == "js"]
    py = [f for f in train_files if f[0] == "py"]
    order = []
    for index in range(max(len(js), len(py))):
        if index < len(py):
            order.append(py[index])
        if index < len(js):
            order.append(js[index])
    with open(os.devnull if args.eval_only else train_path, "w", encoding="utf-8") as out:
        for language, path, rel, _digest in order:
            if count >= args.max_examples or written >= args.max_bytes or args.eval_only:
                break
            file_rng = random.Random("%d:%s" % (args.seed, rel))
            text = read_text(path)
            for example in examples_from_file(file_rng, text, language, args.per_file):
                prompt, completion, _start = build_prompt(rel, example)
                line = json.dumps({"prompt": prompt, "completion": completion}, ensure_ascii=False) + "\n"
                size = len(line.encode("utf-8"))
                # Renames and no-edit windows are the easiest to make: keep them from crowding out the rest.
                if count > 100 and kinds.get(example.kind, 0) > KIND_CAPS.get(example.kind, 1) * count:
                    continue
                if written + size > args.max_bytes or count >= args.max_examples:
                    break
                out.write(line)
                written += size
                count += 1
                kinds[example.kind] = kinds.get(example.kind, 0) + 1
    log("train: %d examples, %.1f MiB, kinds %s -> %s" % (count, written / 1048576, kinds, train_path))

    eval_path = os.path.join(args.out_dir, "next-edit-eval.jsonl")
    eval_kinds = {}
    tasks = 0
    with open(eval_path, "w", encoding="utf-8") as out:
        for language, path, rel, digest in eval_files:
            if tasks >= args.eval_tasks:
                break
            file_rng = random.Random("%d:eval:%s" % (args.seed, rel))
            text = read_text(path)
            taken_here = 0
            for example in examples_from_file(file_rng, text, language, 2):
                if tasks >= args.eval_tasks or taken_here >= 2:
                    break
                if tasks > 20 and eval_kinds.get(example.kind, 0) > KIND_CAPS.get(example.kind, 1) * tasks:
                    continue
                taken_here += 1
                # A cut of the file around the window, so a task stands alone: line numbers here and
                # in the prompt are 1-based in the cut (the window lands on the same lines of the cut).
                start = window_start_for(example.cursor_line, len(example.current))
                cut = max(0, start - EVAL_CONTEXT_LINES)
                cut_end = min(len(example.current), start + WINDOW_LINES + EVAL_CONTEXT_LINES)
                cut_example = Example(example.kind, example.base[cut:cut_end], example.current[cut:cut_end],
                                      example.updated_window, example.cursor_line - cut, example.edit_line - cut)
                prompt, completion, cut_start = build_prompt(rel, cut_example)
                assert cut_start == start - cut
                task = {
                    "id": "%s:%d" % (rel, example.cursor_line + 1),
                    "kind": example.kind,
                    "language": language,
                    "path": rel,
                    "source": path,
                    "sha256": digest,
                    # The cut's lines joined by "\n": a document whose lines are exactly the cut's.
                    "original_text": "\n".join(example.base[cut:cut_end]),
                    "current_text": "\n".join(example.current[cut:cut_end]),
                    "line": example.cursor_line - cut + 1,
                    "edit_line": example.edit_line - cut + 1,
                    "window_start_line": start - cut + 1,
                    "window_lines": WINDOW_LINES,
                    "prompt": prompt,
                    "completion": completion,
                }
                out.write(json.dumps(task, ensure_ascii=False) + "\n")
                tasks += 1
                eval_kinds[example.kind] = eval_kinds.get(example.kind, 0) + 1
    log("eval: %d tasks from held-out files, kinds %s -> %s" % (tasks, eval_kinds, eval_path))


if __name__ == "__main__":
    main()
