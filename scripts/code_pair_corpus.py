"""Corpus, tokenizer and pre-tokenized data for scripts/train-code-pair.py (the `prepare` step, on CPU).

Needs Debian's python3-regex (the exact pre-tokenizer llama.cpp applies); nothing here runs on the
training machine, which gets only the files this writes (.cache/code-pair-data/).
"""

import collections
import hashlib
import heapq
import json
import os
import random
import re
import sys
import time
import zlib
from array import array

from code_pair_tokenizer import (BYTE_TEXT, FIRST_MERGED_ID, SPECIALS, EOT, FIM_PRE, FIM_MID, FIM_SUF,
                                 Tokenizer, log)

import regex

# llama.cpp's "qwen2" pre-tokenizer (the regex of Qwen2's tokenizer.json): digits one by one.
PRETOKENIZE = regex.compile(
    r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"""
)

JS_EXTENSIONS = (".js", ".mjs", ".cjs", ".ts", ".mts", ".cts", ".tsx", ".jsx")
C_EXTENSIONS = (".c", ".h", ".cpp", ".hpp", ".cc", ".cu", ".cuh")
HELD_OUT_PACKAGE = "vscode-jsonrpc"          # its lib/common/*.js are the bench's tasks
HELD_OUT_PYTHON = "asyncio"                  # /usr/lib/python3.11/asyncio: never trained on
EXCLUDED_PACKAGES = {"@vscode/vsce-sign"}    # Microsoft's own licence
VALIDATION_PACKAGE = "mocha"                 # neither trained on nor reported: picks the training's end
VALIDATION_PYTHON = "email"
LICENCE_WORDS = re.compile(r"licen[cs]e|copyright|\(c\) \d{4}|spdx", re.IGNORECASE)
SOURCE_MAP = re.compile(r"^\s*//[#@] source(?:Mapping)?URL=.*$\n?", re.MULTILINE)


# ---------------------------------------------------------------------------------------------
# Filters
# ---------------------------------------------------------------------------------------------

def read_text(path):
    try:
        with open(path, "rb") as handle:
            data = handle.read()
        return data.decode("utf-8").replace("\r\n", "\n")
    except (OSError, UnicodeDecodeError):
        return None


def strip_licence_header(text, kind):
    """Removes leading comment blocks (after a shebang) that mention a licence or copyright."""
    shebang = ""
    if text.startswith("#!"):
        end = text.find("\n") + 1
        shebang, text = text[:end], text[end:]
    while True:
        body = text.lstrip()
        block = None
        if body.startswith("/*"):
            end = body.find("*/")
            block = body[: end + 2] if end >= 0 else None
        elif body.startswith("//") or (kind == "python" and body.startswith("#")):
            marker = "//" if body.startswith("//") else "#"
            lines = body.split("\n")
            count = 0
            while count < len(lines) and lines[count].lstrip().startswith(marker):
                count += 1
            block = "\n".join(lines[:count])
        if block is None or not LICENCE_WORDS.search(block) or "coding" in block[:40]:
            break
        text = body[len(block):].lstrip("\n")
    return shebang + text


def rejection(text):
    """Why a file is not source a person wrote (minified, bundled, generated table), or None."""
    lines = text.split("\n")
    if len(lines) < 8 or len(text) < 400:
        return "short"
    if len(text) > 200_000:
        return "large"
    longest = max(len(line) for line in lines)
    if longest > 1000 or len(text) / len(lines) > 100 or sum(len(line) > 300 for line in lines) > len(lines) / 100:
        return "long lines"
    digits = sum(ch.isdigit() for ch in text) + text.count(",")
    if digits / len(text) > 0.25:
        return "table"
    if "@generated" in text[:2000] or "DO NOT EDIT" in text[:2000] or "auto-generated" in text[:2000].lower():
        return "generated"
    return None


def clean(text, kind):
    text = SOURCE_MAP.sub("", text)
    return strip_licence_header(text, kind)


# ---------------------------------------------------------------------------------------------
# Sources
# ---------------------------------------------------------------------------------------------

def package_of(parts):
    """The npm package a path (split) belongs to: the last node_modules/<name> or @scope/<name>."""
    starts = [0] + [index + 1 for index, part in enumerate(parts) if part == "node_modules"]
    start = starts[-1]
    if start >= len(parts):
        return None, None
    name = parts[start]
    if name.startswith("@") and start + 1 < len(parts):
        return name + "/" + parts[start + 1], parts[start + 2:]
    return name, parts[start + 1:]


def npm_files(node_modules):
    """(package, path inside the package, full path, is .d.ts) for every JS/TS file."""
    out = []
    for root, dirs, files in os.walk(node_modules):
        dirs[:] = sorted(d for d in dirs if d not in (".bin", ".cache", "test", "tests", "__tests__", "fixtures", "dist-min"))
        rel = os.path.relpath(root, node_modules)
        parts = [] if rel == "." else rel.split(os.sep)
        for name in sorted(files):
            if not name.endswith(JS_EXTENSIONS) or ".min." in name or name.endswith((".map", ".bundle.js")):
                continue
            package, inner = package_of(parts + [name])
            if package is None or package in EXCLUDED_PACKAGES or package in (HELD_OUT_PACKAGE, VALIDATION_PACKAGE):
                continue
            if package == "typescript" and inner[:1] == ["lib"] and name.endswith(".js"):
                continue  # the compiler's bundles
            out.append((package, "/".join(inner), os.path.join(root, name), name.endswith((".d.ts", ".d.mts", ".d.cts"))))
    return out


def tree_files(root_dir, extensions, skip_dirs):
    out = []
    for root, dirs, files in os.walk(root_dir):
        dirs[:] = sorted(d for d in dirs if d not in skip_dirs and not d.startswith("."))
        for name in sorted(files):
            if name.endswith(extensions):
                out.append(os.path.join(root, name))
    return out


class Corpus:
    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.digests = set()
        self.names = set()
        self.documents = []   # (kind, source label, text)
        self.stats = collections.defaultdict(lambda: collections.Counter())
        self.rejected = collections.Counter()

    def add(self, kind, label, name_key, text, cap_left):
        text = clean(text, kind)
        reason = rejection(text)
        if reason is not None:
            self.rejected[reason] += 1
            return 0
        if name_key is not None and name_key in self.names:
            self.rejected["same-named copy"] += 1
            return 0
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        if digest in self.digests:
            self.rejected["exact duplicate"] += 1
            return 0
        if len(text) > cap_left:
            return 0
        self.digests.add(digest)
        if name_key is not None:
            self.names.add(name_key)
        self.documents.append((kind, label, text))
        self.stats[kind]["files"] += 1
        self.stats[kind]["chars"] += len(text)
        self.stats["source:" + label]["files"] += 1
        self.stats["source:" + label]["chars"] += len(text)
        return len(text)

    def take(self, kind, label, entries, budget, per_group_cap):
        """entries: (group, name key, path). Seeded order; at most per_group_cap characters a group."""
        entries = list(entries)
        self.rng.shuffle(entries)
        used = 0
        per_group = collections.Counter()
        for group, name_key, path in entries:
            if used >= budget:
                break
            if per_group[group] >= per_group_cap:
                continue
            text = read_text(path)
            if text is None:
                continue
            added = self.add(kind, label, name_key, text, min(budget - used, per_group_cap - per_group[group]) + 50_000)
            used += added
            per_group[group] += added
        log(f"corpus: {label}: {used / 1e6:.2f} M chars from {len(per_group)} groups")
        return per_group


def build_corpus(args):
    corpus = Corpus(args.seed)
    node_modules = os.path.realpath(args.node_modules)
    files = npm_files(node_modules)
    # Near-duplicates: the same file of the same package in another version (nested copies) is skipped
    # by its name key (package + path inside the package); the first one in seeded order is kept.
    js = [(package, f"npm:{package}/{inner}", path) for package, inner, path, dts in files if not dts]
    dts = [(package, f"npm:{package}/{inner}", path) for package, inner, path, dts in files if dts]
    js_groups = corpus.take("js/ts", "npm", js, args.js_chars, per_group_cap=1_500_000)
    dts_groups = corpus.take("js/ts", "npm .d.ts", dts, args.dts_chars, per_group_cap=300_000)
    corpus.stats["npm packages"]["count"] = len(js_groups)
    # By the `license` field of each package's package.json (the top-level copy).
    for groups in (js_groups, dts_groups):
        for package, chars in groups.items():
            licence = "?"
            try:
                with open(os.path.join(node_modules, package, "package.json"), encoding="utf-8") as handle:
                    field = json.load(handle).get("license", "?")
                licence = field if isinstance(field, str) else json.dumps(field)
            except (OSError, ValueError):
                pass
            corpus.stats["npm licence"][licence] += chars

    py_skip = {"test", "tests", "idle_test", "idlelib", "__pycache__", "site-packages", "dist-packages", "lib2to3",
               "ensurepip", "pydoc_data", "encodings", HELD_OUT_PYTHON, VALIDATION_PYTHON}
    stdlib = [("stdlib", "py:" + os.path.relpath(path, args.python_lib), path)
              for path in tree_files(args.python_lib, (".py",), py_skip)]
    corpus.take("python", "python stdlib", stdlib, args.py_chars, per_group_cap=args.py_chars)
    dist = [(os.path.relpath(path, args.dist_packages).split(os.sep)[0], "py:" + os.path.relpath(path, args.dist_packages), path)
            for path in tree_files(args.dist_packages, (".py",), {"tests", "test", "__pycache__", "_vendor"})]
    corpus.take("python", "python dist-packages", dist, args.py_extra_chars // 2, per_group_cap=600_000)
    gcloud_root = os.path.join(args.gcloud, "lib", "googlecloudsdk")
    if os.path.isdir(gcloud_root):
        gcloud = [(os.path.relpath(path, gcloud_root).split(os.sep)[0], None, path)
                  for path in tree_files(gcloud_root, (".py",), {"generated_clients", "third_party", "tests", "__pycache__"})
                  if not path.endswith(("_messages.py", "_client.py"))]
        corpus.take("python", "google-cloud-sdk", gcloud, args.py_extra_chars // 2, per_group_cap=800_000)

    if os.path.isdir(args.llama_src):
        llama = [(os.path.relpath(path, args.llama_src).split(os.sep)[0], None, path)
                 for path in tree_files(args.llama_src, C_EXTENSIONS, {"vendor", "build", "kompute", "third_party"})]
        corpus.take("c/c++", "llama.cpp", llama, args.c_chars // 2, per_group_cap=args.c_chars // 4)
    headers = [(os.path.relpath(path, "/usr/include").split(os.sep)[0], None, path)
               for path in tree_files("/usr/include", (".h", ".hpp"), set())]
    corpus.take("c/c++", "/usr/include", headers, args.c_chars // 2, per_group_cap=600_000)

    held_js_dir = os.path.join(node_modules, HELD_OUT_PACKAGE, "lib", "common")
    held_js = [(name, read_text(os.path.join(held_js_dir, name))) for name in sorted(os.listdir(held_js_dir)) if name.endswith(".js")]
    held_py_dir = os.path.join(args.python_lib, HELD_OUT_PYTHON)
    held_py = [(name, read_text(os.path.join(held_py_dir, name))) for name in sorted(os.listdir(held_py_dir)) if name.endswith(".py")]
    held_py = [(name, clean(text, "python")) for name, text in held_py if text and rejection(clean(text, "python")) is None]
    validation = []
    for kind, folder, extensions in (("js/ts", os.path.join(node_modules, VALIDATION_PACKAGE, "lib"), JS_EXTENSIONS),
                                     ("python", os.path.join(args.python_lib, VALIDATION_PYTHON), (".py",))):
        for path in tree_files(folder, extensions, {"__pycache__"}):
            text = read_text(path)
            if text is not None and rejection(clean(text, kind)) is None:
                validation.append((os.path.relpath(path, os.path.dirname(folder)), clean(text, kind)))
    for name, text in held_js + held_py + validation:
        if hashlib.sha256(text.encode("utf-8")).hexdigest() in corpus.digests:
            sys.exit(f"held-out file {name} found in the training corpus")
    return corpus, held_js, held_py, validation


# ---------------------------------------------------------------------------------------------
# BPE training (GPT-2 style byte-level, merges within pre-tokens)
# ---------------------------------------------------------------------------------------------

def pretokens(text):
    return ["".join(BYTE_TEXT[b] for b in piece.encode("utf-8")) for piece in PRETOKENIZE.findall(text)]


def train_bpe(texts, merges_wanted):
    """Classic BPE on word counts with incremental pair counts and a lazy max-heap.
    Returns the merged token texts in merge order and the merges as (left text, right text)."""
    counts = collections.Counter()
    for text in texts:
        counts.update(pretokens(text))
    token_texts = list(BYTE_TEXT)
    text_index = {text: index for index, text in enumerate(token_texts)}
    words = [[text_index[ch] for ch in word] for word in counts]
    freqs = list(counts.values())
    pair_counts = collections.Counter()
    where = collections.defaultdict(set)
    for index, word in enumerate(words):
        for a, b in zip(word, word[1:]):
            pair_counts[(a, b)] += freqs[index]
            where[(a, b)].add(index)
    heap = [(-count, pair) for pair, count in pair_counts.items()]
    heapq.heapify(heap)
    merges = []
    while len(merges) < merges_wanted and heap:
        negative, pair = heapq.heappop(heap)
        if pair_counts.get(pair, 0) != -negative or -negative < 2:
            continue
        text = token_texts[pair[0]] + token_texts[pair[1]]
        new_id = text_index.get(text)
        if new_id is None:
            new_id = text_index[text] = len(token_texts)
            token_texts.append(text)
        merges.append((token_texts[pair[0]], token_texts[pair[1]]))
        touched = collections.Counter()
        for index in sorted(where.pop(pair, ())):
            word = words[index]
            freq = freqs[index]
            for a, b in zip(word, word[1:]):
                touched[(a, b)] -= freq
            merged = []
            i = 0
            while i < len(word):
                if i + 1 < len(word) and word[i] == pair[0] and word[i + 1] == pair[1]:
                    merged.append(new_id)
                    i += 2
                else:
                    merged.append(word[i])
                    i += 1
            words[index] = merged
            for a, b in zip(merged, merged[1:]):
                touched[(a, b)] += freq
                where[(a, b)].add(index)
        for changed, delta in touched.items():
            if delta == 0:
                continue
            pair_counts[changed] += delta
            if pair_counts[changed] <= 0:
                del pair_counts[changed]
            else:
                heapq.heappush(heap, (-pair_counts[changed], changed))
        pair_counts.pop(pair, None)
    return token_texts[256:], merges


# ---------------------------------------------------------------------------------------------
# Examples: each corpus chunk becomes plain text or a FIM (PSM) example, tokenized the way the
# engine tokenizes a request (prefix, suffix and middle each on their own).
# ---------------------------------------------------------------------------------------------

def anchored(prefix, rng):
    """
    Where the extension's prompt puts the text typed on the cursor's line (src/completion/PromptPlanner):
    from an anchor — the start of the line where the user began typing, often the cursor's own line,
    sometimes a few lines up, at most 1500 characters back — to the cursor goes after <|fim_middle|>,
    as llama-server's /infill does with its `prompt`. Returns the anchor's index in `prefix`.
    """
    anchor = prefix.rfind("\n") + 1
    for _ in range(rng.randrange(1, 5) if rng.random() < 0.3 else 0):
        if anchor == 0:
            break
        anchor = prefix.rfind("\n", 0, anchor - 1) + 1
    return max(anchor, len(prefix) - 1500)


def fim_split(chunk, rng):
    if rng.random() < 0.6:
        # Like a cursor in an editor: after the indentation of a line; the middle runs to the end of
        # that line (or a few lines further); the suffix starts at a line end.
        starts = [0] + [i + 1 for i, ch in enumerate(chunk) if ch == "\n" and i + 1 < len(chunk)]
        line_start = rng.choice(starts)
        cursor = line_start + len(chunk[line_start:]) - len(chunk[line_start:].lstrip(" \t"))
        if rng.random() < 0.3 and cursor < len(chunk):
            cursor = rng.randrange(cursor, len(chunk))  # mid-line
        end = cursor
        for _ in range(1 + (rng.random() < 0.3) * rng.randrange(1, 5)):
            newline = chunk.find("\n", end + 1 if end > cursor else end)
            end = len(chunk) if newline < 0 else newline
    else:
        cursor = rng.randrange(0, len(chunk))
        end = min(len(chunk), cursor + int(rng.expovariate(1 / 80)))
    prefix, middle, suffix = chunk[:cursor], chunk[cursor:end], chunk[end:]
    if rng.random() < 0.8:
        suffix = suffix[: rng.choice([0, 100, 400, 1000, 3000])]
    return prefix, middle, suffix


def chunks_of(text, rng, size):
    """The file cut at line starts into pieces of about `size` characters."""
    out = []
    start = 0
    while start < len(text):
        end = min(len(text), start + size)
        if end < len(text):
            newline = text.rfind("\n", start + size // 2, end)
            end = newline + 1 if newline > 0 else end
        out.append(text[start:end])
        start = end
    return out


def examples(documents, tokenizer, rng, fim_rate):
    """One stream: <|endoftext|> + chunk (plain) or <|endoftext|><|fim_prefix|>p<|fim_suffix|>s<|fim_middle|>m<|endoftext|>."""
    stream = array("H")
    counts = collections.Counter()
    for _kind, _label, text in documents:
        for chunk in chunks_of(text, rng, rng.choice([2000, 4000, 8000])):
            if rng.random() < fim_rate and len(chunk) > 40:
                prefix, middle, suffix = fim_split(chunk, rng)
                # Half the time the layout the extension sends: the cursor line's typed text after <|fim_middle|>.
                anchor = anchored(prefix, rng) if rng.random() < 0.5 else len(prefix)
                stream.extend([EOT, FIM_PRE])
                stream.extend(tokenizer.encode(prefix[:anchor]))
                stream.append(FIM_SUF)
                stream.extend(tokenizer.encode(suffix))
                stream.append(FIM_MID)
                # Tokenized apart: in the editor the typed head is prompt and the token boundary falls at the cursor.
                stream.extend(tokenizer.encode(prefix[anchor:]))
                stream.extend(tokenizer.encode(middle))
                stream.append(EOT)
                counts["fim anchored" if anchor < len(prefix) else "fim"] += 1
            else:
                stream.append(EOT)
                stream.extend(tokenizer.encode(chunk))
                counts["plain"] += 1
    return stream, counts


def bench_like_prompts(held_out, count, seed):
    """FIM prompts cut from held-out files the way the CLI's bench cuts its tasks (raw text)."""
    rng = random.Random(seed)
    prompts = []
    sources = [(name, text) for name, text in held_out if len(text) > 2000]
    while len(prompts) < count:
        name, text = sources[len(prompts) % len(sources)]
        starts = [i + 1 for i, ch in enumerate(text) if ch == "\n" and i + 1 > 800]
        cursor = rng.choice(starts)
        at = cursor + len(text[cursor:]) - len(text[cursor:].lstrip(" \t"))
        line_end = text.find("\n", at)
        suffix_start = len(text) if line_end < 0 else line_end
        prompts.append({"file": name, "prefix": text[max(0, at - 700):at], "suffix": text[suffix_start:suffix_start + 200],
                        "expected": text[at:suffix_start]})
    return prompts


def prepare(args):
    started = time.time()
    os.makedirs(args.data, exist_ok=True)
    corpus, held_js, held_py, validation = build_corpus(args)
    documents = corpus.documents
    total_chars = sum(len(text) for _k, _l, text in documents)
    corpus_hash = hashlib.sha256("\0".join(text for _k, _l, text in documents).encode("utf-8")).hexdigest()
    log(f"corpus: {len(documents)} files, {total_chars / 1e6:.1f} M chars in {time.time() - started:.0f} s; "
        f"rejected {dict(corpus.rejected)}; held out {len(held_js)} JS + {len(held_py)} Python files")

    rng = random.Random(args.seed + 1)
    sample, sampled = [], 0
    for _kind, _label, text in rng.sample(documents, k=len(documents)):
        if sampled > args.bpe_sample_chars:
            break
        sample.append(text)
        sampled += len(text)
    bpe_started = time.time()
    if getattr(args, "tokenizer", None):
        # Reuse a tokenizer (the committed models' own, read back from their tokenizer.json), so that
        # models trained on this data share the vocabulary of models trained before.
        with open(args.tokenizer) as handle:
            kept = json.load(handle)
        token_texts = kept["tokens"]
        merges = [tuple(pair.split(" ")) for pair in kept["merges"]]
        if kept["specials"] != SPECIALS or token_texts[:len(BYTE_TEXT)] != BYTE_TEXT:
            sys.exit(f"{args.tokenizer} does not have this script's byte tokens and specials")
        merged_texts = token_texts[len(BYTE_TEXT) + len(SPECIALS):]
    else:
        merged_texts, merges = train_bpe(sample, args.vocab_size - FIRST_MERGED_ID)
    token_texts = BYTE_TEXT + SPECIALS + merged_texts
    tokenizer = Tokenizer(token_texts, merges, pretokenize=PRETOKENIZE.findall)
    log(f"tokenizer: {len(token_texts)} tokens ({len(merges)} merges) from {sampled / 1e6:.1f} M chars in {time.time() - bpe_started:.0f} s")
    with open(os.path.join(args.data, "tokenizer.json"), "w") as handle:
        json.dump({"tokens": token_texts, "merges": [f"{a} {b}" for a, b in merges], "specials": SPECIALS}, handle)

    held = {}
    for label, files in (("js", held_js), ("python", held_py), ("validation", validation)):
        ids = array("H")
        chars = 0
        for name, text in files:
            encoded = tokenizer.encode(text)
            if label != "validation" and tokenizer.decode(encoded) != text:
                sys.exit(f"the tokenizer does not round-trip held-out {name}")
            ids.append(EOT)
            ids.extend(encoded)
            chars += len(text)
        held[label] = ids
        log(f"held-out {label}: {len(files)} files, {chars} chars, {len(ids)} tokens, {chars / len(ids):.2f} chars/token")

    encode_started = time.time()
    stream, counts = examples(documents, tokenizer, random.Random(args.seed + 2), args.fim_rate)
    log(f"training stream: {len(stream) / 1e6:.2f} M tokens ({dict(counts)}) in {time.time() - encode_started:.0f} s; "
        f"{total_chars / len(stream):.2f} chars/token")
    if sys.byteorder == "big":
        stream.byteswap()
    raw = stream.tobytes()
    packed = zlib.compress(raw, 6)
    with open(os.path.join(args.data, "train.u16.zlib"), "wb") as handle:
        handle.write(packed)
    log(f"train.u16.zlib: {len(raw):,} bytes of uint16 in {len(packed):,}")
    stale = os.path.join(args.data, "train.u16")
    if os.path.exists(stale):
        os.remove(stale)
    offsets = {}
    with open(os.path.join(args.data, "heldout.u16"), "wb") as handle:
        at = 0
        for label, ids in held.items():
            ids.tofile(handle)
            offsets[label] = [at, len(ids)]
            at += len(ids)

    prompts = bench_like_prompts(held_js, 6, seed=7) + bench_like_prompts(held_py, 2, seed=8)
    for prompt in prompts:
        prompt["tokens"] = ([EOT, FIM_PRE] + tokenizer.encode(prompt["prefix"]) + [FIM_SUF]
                            + tokenizer.encode(prompt["suffix"]) + [FIM_MID])
    stats = {kind: dict(counter) for kind, counter in corpus.stats.items()}
    meta = {
        "corpus": {"files": len(documents), "chars": total_chars, "sha256": corpus_hash, "makeUp": stats,
                   "rejected": dict(corpus.rejected), "examples": dict(counts), "fimRate": args.fim_rate,
                   "heldOut": {"js": f"{HELD_OUT_PACKAGE}/lib/common/*.js ({len(held_js)} files)",
                               "python": f"python3.11/{HELD_OUT_PYTHON}/*.py ({len(held_py)} files)"},
                   "validation": f"{VALIDATION_PACKAGE}/lib and python3.11/{VALIDATION_PYTHON} ({len(validation)} files; "
                                 "never trained on; picks the training's end, not reported as a result)"},
        "tokenizer": {"size": len(token_texts), "merges": len(merges), "bpeSampleChars": sampled,
                      "heldOutCharsPerToken": {label: sum(len(t) for _n, t in files) / (len(held[label]) - len(files))
                                               for label, files in (("js", held_js), ("python", held_py))}},
        "trainTokens": len(stream),
        "heldOut": {label: offsets[label] for label in ("js", "python")},
        "validation": offsets["validation"],
        "prompts": prompts,
        "seed": args.seed,
        "prepareSeconds": time.time() - started,
    }
    with open(os.path.join(args.data, "meta.json"), "w") as handle:
        json.dump(meta, handle, indent=1)
    log(f"prepared {args.data} in {(time.time() - started) / 60:.1f} min")
