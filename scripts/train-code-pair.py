#!/usr/bin/python3
"""Trains Specula's code pair: two small llama-architecture models on real code, written as GGUF.

The fixture models (src/fixtures/) are an order-2 n-gram model whose greedy text is degenerate
("the the the"), which flatters prompt-lookup speculation. This pair is trained on real code, so its
greedy text reads like code and speed claims can be checked on it (issues 11 and 14).

Everything is offline:
  corpus    JS/TS from the repository's node_modules (minus vscode-jsonrpc, whose lib/common/*.js
            the benchmark's tasks are cut from: that folder is the held-out set) and Python from
            Debian's standard library (/usr/lib/python3.11).
  tokenizer a byte-level BPE (GPT-2 style, llama.cpp's "qwen2" pre-tokenizer) trained here.
  objective fill-in-the-middle in PSM layout (<|fim_prefix|>p<|fim_suffix|>s<|fim_middle|>m</s>)
            mixed with plain left-to-right text.
  models    a target (~2.2 M parameters) and a draft (~0.4 M), written F16 straight to GGUF, with
            RoPE in llama.cpp's "normal" layout (pairs of adjacent values), so no permutation is needed.

Run with Debian's python (the pyenv python3 on PATH has no torch):
    apt-get install -y python3-torch python3-regex libopenblas0-openmp
    /usr/bin/python3 scripts/train-code-pair.py            # ~75 min on 2 shared vCPUs
    /usr/bin/python3 scripts/train-code-pair.py --quick    # a few minutes, for checking the pipeline
Without an optimized BLAS (libopenblas0-openmp) Debian's torch falls back to the reference BLAS and
trains about 10x slower.

Seeds are fixed; a rerun gives comparable models (not bit-identical: threaded float sums vary).
"""

import argparse
import collections
import hashlib
import heapq
import json
import math
import os
import random
import struct
import sys
import time

import numpy as np
import regex
import torch
import torch.nn.functional as F

# ---------------------------------------------------------------------------------------------
# Settings. Everything that decides the models is here or in the command line.
# ---------------------------------------------------------------------------------------------

VOCAB_SIZE = 2048
SPECIALS = ["<s>", "</s>", "<|fim_prefix|>", "<|fim_suffix|>", "<|fim_middle|>"]
BOS, EOS, FIM_PRE, FIM_SUF, FIM_MID = range(256, 261)
FIRST_MERGED_ID = 261

# llama.cpp's "qwen2" pre-tokenizer (the regex of Qwen2's tokenizer.json): digits one by one.
PRETOKENIZE = regex.compile(
    r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"""
)

TARGET_SHAPE = dict(name="Specula code target", n_embd=192, n_layer=4, n_head=3, n_ff=512)
DRAFT_SHAPE = dict(name="Specula code draft", n_embd=96, n_layer=2, n_head=2, n_ff=256)
CONTEXT_LENGTH = 1024
RMS_EPS = 1e-5
ROPE_BASE = 10000.0

JS_EXTENSIONS = (".js", ".mjs", ".cjs", ".ts", ".mts", ".cts")
HELD_OUT_PACKAGE = "vscode-jsonrpc"


def log(message):
    print(message, flush=True)


# ---------------------------------------------------------------------------------------------
# Corpus
# ---------------------------------------------------------------------------------------------

def looks_generated(text):
    lines = text.split("\n")
    if len(lines) < 8:
        return True
    if max(len(line) for line in lines) > 1000:
        return True
    return len(text) / len(lines) > 120


def collect_js(node_modules, max_bytes_per_package):
    """Source files of every package, sorted by path, at most max_bytes_per_package per package."""
    per_package = collections.defaultdict(list)
    for root, dirs, files in os.walk(node_modules):
        dirs.sort()
        rel_root = os.path.relpath(root, node_modules)
        parts = rel_root.split(os.sep)
        if HELD_OUT_PACKAGE in parts or ".bin" in parts or ".cache" in parts:
            dirs[:] = []
            continue
        for name in sorted(files):
            if not name.endswith(JS_EXTENSIONS) or ".min." in name:
                continue
            path = os.path.join(root, name)
            try:
                size = os.path.getsize(path)
            except OSError:
                continue
            if size < 1024 or size > 200_000:
                continue
            # The package a file belongs to: the last node_modules/<name> (or @scope/<name>) in its path.
            package = parts[0] if parts[0] != "." else ""
            for index, part in enumerate(parts):
                if part == "node_modules" and index + 1 < len(parts):
                    package = parts[index + 1] + ("/" + parts[index + 2] if parts[index + 1].startswith("@") and index + 2 < len(parts) else "")
            if package.startswith("@") and len(parts) > 1 and parts[0] == package:
                package = "/".join(parts[:2])
            per_package[package].append(path)
    return per_package


def read_text(path):
    with open(path, "rb") as handle:
        data = handle.read()
    try:
        return data.decode("utf-8").replace("\r\n", "\n")
    except UnicodeDecodeError:
        return None


def build_corpus(node_modules, python_lib, seed, js_bytes, py_bytes):
    """Deterministic selection: files shuffled with the seed, capped per package, deduplicated."""
    rng = random.Random(seed)
    seen = set()
    documents = []
    sources = collections.Counter()

    def take(paths, budget, label, per_package_cap=None):
        used = 0
        per_package_used = collections.Counter()
        for package, path in paths:
            if used >= budget:
                break
            text = read_text(path)
            if text is None or looks_generated(text):
                continue
            digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
            if digest in seen:
                continue
            if per_package_cap is not None and per_package_used[package] + len(text) > per_package_cap:
                continue
            seen.add(digest)
            per_package_used[package] += len(text)
            documents.append(text)
            used += len(text)
            sources[label] += len(text)

    packages = collect_js(node_modules, None)
    js_paths = [(package, path) for package in sorted(packages) for path in packages[package]]
    rng.shuffle(js_paths)
    take(js_paths, js_bytes, "js/ts", per_package_cap=max(200_000, js_bytes // 40))

    py_paths = []
    for root, dirs, files in os.walk(python_lib):
        dirs[:] = sorted(d for d in dirs if d not in ("test", "tests", "idle_test", "__pycache__", "site-packages", "dist-packages", "lib2to3"))
        py_paths += [("python", os.path.join(root, name)) for name in sorted(files) if name.endswith(".py")]
    rng.shuffle(py_paths)
    take(py_paths, py_bytes, "python")
    return documents, sources, seen


def held_out_documents(node_modules):
    folder = os.path.join(node_modules, HELD_OUT_PACKAGE, "lib", "common")
    names = sorted(name for name in os.listdir(folder) if name.endswith(".js"))
    return [(name, read_text(os.path.join(folder, name))) for name in names]


# ---------------------------------------------------------------------------------------------
# Byte-level BPE
# ---------------------------------------------------------------------------------------------

def gpt2_byte_to_text():
    texts = []
    substitute = 0
    for byte in range(256):
        printable = 0x21 <= byte <= 0x7E or 0xA1 <= byte <= 0xAC or 0xAE <= byte <= 0xFF
        texts.append(chr(byte) if printable else chr(0x100 + substitute))
        if not printable:
            substitute += 1
    return texts


BYTE_TEXT = gpt2_byte_to_text()


def pretokens(text):
    """The words BPE works within, each as GPT-2 byte texts (one character per byte)."""
    return ["".join(BYTE_TEXT[b] for b in piece.encode("utf-8")) for piece in PRETOKENIZE.findall(text)]


def train_bpe(texts, merges_wanted):
    """Classic BPE on word counts with incremental pair counts and a lazy max-heap."""
    counts = collections.Counter()
    for text in texts:
        counts.update(pretokens(text))
    symbol_of = {text: index for index, text in enumerate(BYTE_TEXT)}
    token_texts = list(BYTE_TEXT)
    text_index = {text: index for index, text in enumerate(token_texts)}
    words = [[symbol_of[ch] for ch in word] for word in counts]
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
    while len(token_texts) < 256 + merges_wanted and heap:
        negative, pair = heapq.heappop(heap)
        if pair_counts.get(pair, 0) != -negative or -negative < 2:
            continue
        text = token_texts[pair[0]] + token_texts[pair[1]]
        new_id = text_index.get(text)
        if new_id is None:  # the same text can come from two merge paths; keep one token for it
            new_id = text_index[text] = len(token_texts)
            token_texts.append(text)
        merges.append(pair)
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
    return token_texts, merges


class Tokenizer:
    """Applies the merges by rank within each pre-token, as llama.cpp's BPE tokenizer does."""

    def __init__(self, token_texts, merges):
        self.token_texts = token_texts
        self.rank = {(token_texts[a], token_texts[b]): rank for rank, (a, b) in enumerate(merges)}
        self.id_of = {text: index for index, text in enumerate(token_texts) if index < 256 or index >= FIRST_MERGED_ID}
        self.cache = {}

    def piece_ids(self, piece):
        cached = self.cache.get(piece)
        if cached is not None:
            return cached
        parts = [BYTE_TEXT[b] for b in piece.encode("utf-8")]
        while len(parts) > 1:
            best = None
            for i in range(len(parts) - 1):
                rank = self.rank.get((parts[i], parts[i + 1]))
                if rank is not None and (best is None or rank < best[0]):
                    best = (rank, i)
            if best is None:
                break
            i = best[1]
            parts[i:i + 2] = [parts[i] + parts[i + 1]]
        ids = [self.id_of[part] for part in parts]
        if len(self.cache) < 1_000_000:
            self.cache[piece] = ids
        return ids

    def encode(self, text):
        ids = []
        for piece in PRETOKENIZE.findall(text):
            ids.extend(self.piece_ids(piece))
        return ids

    def decode(self, ids):
        byte_of = {text: byte for byte, text in enumerate(BYTE_TEXT)}
        data = bytearray()
        for token in ids:
            if 256 <= token < FIRST_MERGED_ID:
                continue
            data.extend(byte_of[ch] for ch in self.token_texts[token])
        return data.decode("utf-8", errors="replace")


def vocabulary(token_texts_with_merges):
    """Final token list: 256 byte tokens, the 5 specials, then the merged tokens in merge order."""
    return BYTE_TEXT + SPECIALS + token_texts_with_merges[256:]


# ---------------------------------------------------------------------------------------------
# Training examples: plain text and FIM (PSM), packed into fixed-length rows
# ---------------------------------------------------------------------------------------------

class ExampleStream:
    def __init__(self, documents, tokenizer, seed, fim_rate=0.5):
        self.documents = documents
        self.tokenizer = tokenizer
        self.rng = random.Random(seed)
        self.fim_rate = fim_rate
        self.weights = np.cumsum([len(doc) for doc in documents], dtype=np.float64)
        self.buffer = []

    def pick_document(self):
        point = self.rng.random() * self.weights[-1]
        return self.documents[int(np.searchsorted(self.weights, point, side="right"))]

    def chunk(self, text, max_chars):
        """A window of the file starting at a line start (or the file start)."""
        if len(text) <= max_chars:
            return text, True
        start = self.rng.randrange(0, len(text) - max_chars // 2)
        if start > 0:
            newline = text.rfind("\n", 0, start)
            start = newline + 1
        return text[start:start + max_chars], start == 0

    def example(self):
        text = self.pick_document()
        if self.rng.random() >= self.fim_rate:
            chunk, at_start = self.chunk(text, 5000)
            ids = self.tokenizer.encode(chunk)
            return ([BOS] if at_start else []) + ids + ([EOS] if len(chunk) < 5000 else [])
        chunk, _ = self.chunk(text, self.rng.choice([800, 1600, 3200]))
        if len(chunk) < 20:
            return self.tokenizer.encode(chunk)
        if self.rng.random() < 0.6:
            # Like a cursor in an editor: after the indentation of a line, the middle runs to the end
            # of that line (or a few lines further); the suffix starts at a line end.
            starts = [0] + [i + 1 for i, ch in enumerate(chunk) if ch == "\n" and i + 1 < len(chunk)]
            line_start = self.rng.choice(starts)
            cursor = line_start + len(chunk[line_start:]) - len(chunk[line_start:].lstrip(" \t"))
            if self.rng.random() < 0.3 and cursor < len(chunk):
                cursor = self.rng.randrange(cursor, len(chunk))  # mid-line
            end = cursor
            for _ in range(1 + (self.rng.random() < 0.3) * self.rng.randrange(1, 5)):
                newline = chunk.find("\n", end + 1 if end > cursor else end)
                end = len(chunk) if newline < 0 else newline
        else:
            cursor = self.rng.randrange(0, len(chunk))
            end = min(len(chunk), cursor + int(self.rng.expovariate(1 / 80)))
        prefix, middle, suffix = chunk[:cursor], chunk[cursor:end], chunk[end:]
        suffix = suffix[: self.rng.choice([0, 100, 400, 1000])] if self.rng.random() < 0.8 else suffix
        return ([BOS, FIM_PRE] + self.tokenizer.encode(prefix) + [FIM_SUF] + self.tokenizer.encode(suffix)
                + [FIM_MID] + self.tokenizer.encode(middle) + [EOS])

    def batch(self, rows, length):
        out = np.empty((rows, length + 1), dtype=np.int64)
        for row in range(rows):
            while len(self.buffer) < length + 1:
                self.buffer.extend(self.example())
            out[row] = self.buffer[: length + 1]
            # Keep the tail of a long example for the next row rather than throwing it away.
            self.buffer = self.buffer[length + 1:]
        return torch.from_numpy(out)


# ---------------------------------------------------------------------------------------------
# The model: llama as llama.cpp computes it
# ---------------------------------------------------------------------------------------------

def rope_tables(length, head_dim, device="cpu"):
    inv = ROPE_BASE ** (-torch.arange(0, head_dim, 2, dtype=torch.float64) / head_dim)
    angles = torch.arange(length, dtype=torch.float64)[:, None] * inv[None, :]
    return angles.cos().float(), angles.sin().float()


def apply_rope(x, cos, sin):
    # llama.cpp's LLAMA_ROPE_TYPE_NORM: rotate pairs (x[2i], x[2i+1]) by pos * base^(-2i/d).
    x0, x1 = x[..., 0::2], x[..., 1::2]
    return torch.stack((x0 * cos - x1 * sin, x0 * sin + x1 * cos), dim=-1).flatten(-2)


def rms_norm(x, weight):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + RMS_EPS) * weight


class Llama(torch.nn.Module):
    def __init__(self, shape, vocab_size, seed):
        super().__init__()
        self.shape = shape
        d, ff, n_layer = shape["n_embd"], shape["n_ff"], shape["n_layer"]
        generator = torch.Generator().manual_seed(seed)

        def param(*size, std):
            return torch.nn.Parameter(torch.randn(*size, generator=generator) * std)

        self.tok_embd = param(vocab_size, d, std=0.02)
        out_std = 0.02 / math.sqrt(2 * n_layer)
        self.layers = torch.nn.ModuleList()
        for _ in range(n_layer):
            layer = torch.nn.Module()
            layer.attn_norm = torch.nn.Parameter(torch.ones(d))
            layer.wq, layer.wk, layer.wv = param(d, d, std=0.02), param(d, d, std=0.02), param(d, d, std=0.02)
            layer.wo = param(d, d, std=out_std)
            layer.ffn_norm = torch.nn.Parameter(torch.ones(d))
            layer.gate, layer.up = param(ff, d, std=0.02), param(ff, d, std=0.02)
            layer.down = param(d, ff, std=out_std)
            self.layers.append(layer)
        self.output_norm = torch.nn.Parameter(torch.ones(d))
        self.rope = {}

    def forward(self, tokens):
        batch, length = tokens.shape
        d, heads = self.shape["n_embd"], self.shape["n_head"]
        head_dim = d // heads
        if length not in self.rope:
            cos, sin = rope_tables(length, head_dim)
            mask = torch.full((length, length), float("-inf")).triu(1)
            self.rope[length] = (cos, sin, mask)
        cos, sin, mask = self.rope[length]
        x = self.tok_embd[tokens]
        scale = 1 / math.sqrt(head_dim)
        for layer in self.layers:
            h = rms_norm(x, layer.attn_norm)
            q = (h @ layer.wq.t()).view(batch, length, heads, head_dim).transpose(1, 2)
            k = (h @ layer.wk.t()).view(batch, length, heads, head_dim).transpose(1, 2)
            v = (h @ layer.wv.t()).view(batch, length, heads, head_dim).transpose(1, 2)
            q, k = apply_rope(q, cos, sin) * scale, apply_rope(k, cos, sin)
            scores = torch.baddbmm(mask.expand(batch * heads, length, length),
                                   q.reshape(batch * heads, length, head_dim),
                                   k.reshape(batch * heads, length, head_dim).transpose(1, 2))
            attended = torch.bmm(scores.softmax(-1), v.reshape(batch * heads, length, head_dim))
            x = x + attended.view(batch, heads, length, head_dim).transpose(1, 2).reshape(batch, length, d) @ layer.wo.t()
            h = rms_norm(x, layer.ffn_norm)
            x = x + (F.silu(h @ layer.gate.t()) * (h @ layer.up.t())) @ layer.down.t()
        return rms_norm(x, self.output_norm) @ self.tok_embd.t()

    def parameter_count(self):
        return sum(p.numel() for p in self.parameters())


def round_to_f16_(model):
    """What the GGUF file holds: matrices in F16 (norms stay F32)."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.dim() == 2:
                p.copy_(p.half().float())


# ---------------------------------------------------------------------------------------------
# Training and evaluation
# ---------------------------------------------------------------------------------------------

def train(model, stream, steps, tokens_per_step, lr, label, long_from):
    """AdamW, linear warm-up then cosine decay to 10 %; rows of 512 tokens, 1024 for the last part."""
    decay = [p for p in model.parameters() if p.dim() == 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    optimizer = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}],
                                  lr=lr, betas=(0.9, 0.95), eps=1e-8)
    warmup = max(1, steps // 20)
    started = time.time()
    window = []
    for step in range(steps):
        length = CONTEXT_LENGTH if step >= long_from else 512
        batch = stream.batch(tokens_per_step // length, length)
        factor = (step + 1) / warmup if step < warmup else 0.1 + 0.45 * (1 + math.cos(math.pi * (step - warmup) / max(1, steps - warmup)))
        for group in optimizer.param_groups:
            group["lr"] = lr * factor
        logits = model(batch[:, :-1])
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), batch[:, 1:].reshape(-1))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        window.append(loss.item())
        if (step + 1) % 25 == 0 or step + 1 == steps:
            elapsed = time.time() - started
            log(f"{label} step {step + 1}/{steps} loss {sum(window) / len(window):.3f} "
                f"lr {lr * factor:.2e} {tokens_per_step * (step + 1) / elapsed:.0f} tok/s {elapsed / 60:.1f} min")
            window = []
    return time.time() - started


def held_out_rows(held_out, tokenizer, length):
    """Each held-out file as BOS + its tokens, cut into rows of `length` + 1 (the last row shorter)."""
    rows = []
    for _name, text in held_out:
        ids = [BOS] + tokenizer.encode(text) + [EOS]
        for start in range(0, len(ids) - 1, length):
            rows.append(ids[start:start + length + 1])
    return rows


@torch.no_grad()
def evaluate(models, rows):
    """Mean loss of each model on the rows, and how often the models' argmaxes agree with the first's."""
    losses = [0.0] * len(models)
    agree = [0] * len(models)
    count = 0
    for row in rows:
        tokens = torch.tensor([row])
        argmax0 = None
        for index, model in enumerate(models):
            logits = model(tokens[:, :-1])[0]
            losses[index] += F.cross_entropy(logits, tokens[0, 1:], reduction="sum").item()
            argmax = logits.argmax(-1)
            if argmax0 is None:
                argmax0 = argmax
            agree[index] += int((argmax == argmax0).sum())
        count += len(row) - 1
    return [loss / count for loss in losses], [a / count for a in agree], count


@torch.no_grad()
def greedy(model, prompt, count):
    tokens = list(prompt)
    for _ in range(count):
        next_token = int(model(torch.tensor([tokens[-CONTEXT_LENGTH:]]))[0, -1].argmax())
        if next_token == EOS:
            break
        tokens.append(next_token)
    return tokens[len(prompt):]


def bench_like_prompts(held_out, tokenizer, count, seed):
    """FIM prompts cut from the held-out files the way the CLI's bench cuts its tasks (raw text)."""
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
        prefix, suffix = text[max(0, at - 700):at], text[suffix_start:suffix_start + 200]
        prompts.append((name, prefix, suffix,
                        [BOS, FIM_PRE] + tokenizer.encode(prefix) + [FIM_SUF] + tokenizer.encode(suffix) + [FIM_MID]))
    return prompts


# ---------------------------------------------------------------------------------------------
# GGUF
# ---------------------------------------------------------------------------------------------

GGUF_STRING, GGUF_U32, GGUF_I32, GGUF_F32, GGUF_BOOL, GGUF_ARRAY = 8, 4, 5, 6, 7, 9
GGML_F32, GGML_F16 = 0, 1


def gguf_string(value):
    data = value.encode("utf-8")
    return struct.pack("<Q", len(data)) + data


def gguf_value(kind, value):
    if kind == "string":
        return struct.pack("<I", GGUF_STRING) + gguf_string(value)
    if kind == "u32":
        return struct.pack("<II", GGUF_U32, value)
    if kind == "f32":
        return struct.pack("<If", GGUF_F32, value)
    if kind == "bool":
        return struct.pack("<IB", GGUF_BOOL, 1 if value else 0)
    if kind == "string[]":
        return struct.pack("<IIQ", GGUF_ARRAY, GGUF_STRING, len(value)) + b"".join(gguf_string(v) for v in value)
    if kind == "i32[]":
        return struct.pack("<IIQ", GGUF_ARRAY, GGUF_I32, len(value)) + np.asarray(value, dtype="<i4").tobytes()
    raise ValueError(kind)


def write_gguf(path, metadata, tensors):
    """GGUF v3: header, metadata, tensor infos, data aligned to 32 bytes. tensors: (name, ndarray)."""
    header = bytearray(b"GGUF" + struct.pack("<IQQ", 3, len(tensors), len(metadata)))
    for key, (kind, value) in metadata.items():
        header += gguf_string(key) + gguf_value(kind, value)
    offset = 0
    blobs = []
    for name, array in tensors:
        kind = GGML_F16 if array.dtype == np.float16 else GGML_F32
        dims = list(reversed(array.shape))  # innermost first: W[out][in] has dims [in, out]
        header += gguf_string(name) + struct.pack("<I", len(dims)) + b"".join(struct.pack("<Q", d) for d in dims)
        header += struct.pack("<IQ", kind, offset)
        data = np.ascontiguousarray(array).astype(array.dtype.newbyteorder("<")).tobytes()
        blobs.append(data)
        offset += (len(data) + 31) // 32 * 32
    header += b"\0" * ((32 - len(header) % 32) % 32)
    with open(path + ".tmp", "wb") as handle:
        handle.write(header)
        for data in blobs:
            handle.write(data)
            handle.write(b"\0" * ((32 - len(data) % 32) % 32))
    os.replace(path + ".tmp", path)


def export(model, token_texts, merges_text, path):
    shape = model.shape
    head_dim = shape["n_embd"] // shape["n_head"]
    types = [1] * 256 + [3] * len(SPECIALS) + [1] * (len(token_texts) - FIRST_MERGED_ID)
    metadata = {
        "general.architecture": ("string", "llama"),
        "general.name": ("string", shape["name"]),
        "general.file_type": ("u32", 1),
        "llama.vocab_size": ("u32", len(token_texts)),
        "llama.context_length": ("u32", CONTEXT_LENGTH),
        "llama.embedding_length": ("u32", shape["n_embd"]),
        "llama.block_count": ("u32", shape["n_layer"]),
        "llama.feed_forward_length": ("u32", shape["n_ff"]),
        "llama.attention.head_count": ("u32", shape["n_head"]),
        "llama.attention.head_count_kv": ("u32", shape["n_head"]),
        "llama.attention.layer_norm_rms_epsilon": ("f32", RMS_EPS),
        "llama.rope.dimension_count": ("u32", head_dim),
        "llama.rope.freq_base": ("f32", ROPE_BASE),
        "tokenizer.ggml.model": ("string", "gpt2"),
        "tokenizer.ggml.pre": ("string", "qwen2"),
        "tokenizer.ggml.tokens": ("string[]", token_texts),
        "tokenizer.ggml.token_type": ("i32[]", types),
        "tokenizer.ggml.merges": ("string[]", merges_text),
        "tokenizer.ggml.bos_token_id": ("u32", BOS),
        "tokenizer.ggml.eos_token_id": ("u32", EOS),
        "tokenizer.ggml.fim_pre_token_id": ("u32", FIM_PRE),
        "tokenizer.ggml.fim_suf_token_id": ("u32", FIM_SUF),
        "tokenizer.ggml.fim_mid_token_id": ("u32", FIM_MID),
        "tokenizer.ggml.add_bos_token": ("bool", True),
        "tokenizer.ggml.add_eos_token": ("bool", False),
    }
    f16 = lambda p: p.detach().numpy().astype(np.float16)
    f32 = lambda p: p.detach().numpy().astype(np.float32)
    tensors = [("token_embd.weight", f16(model.tok_embd)), ("output_norm.weight", f32(model.output_norm))]
    for index, layer in enumerate(model.layers):
        prefix = f"blk.{index}."
        tensors += [
            (prefix + "attn_norm.weight", f32(layer.attn_norm)),
            (prefix + "attn_q.weight", f16(layer.wq)),
            (prefix + "attn_k.weight", f16(layer.wk)),
            (prefix + "attn_v.weight", f16(layer.wv)),
            (prefix + "attn_output.weight", f16(layer.wo)),
            (prefix + "ffn_norm.weight", f32(layer.ffn_norm)),
            (prefix + "ffn_gate.weight", f16(layer.gate)),
            (prefix + "ffn_up.weight", f16(layer.up)),
            (prefix + "ffn_down.weight", f16(layer.down)),
        ]
    write_gguf(path, metadata, tensors)


# ---------------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------------

def main():
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=os.path.join(repo, "test", "models", "code-pair"))
    parser.add_argument("--work", default=os.path.join(repo, ".cache", "code-pair-train"))
    parser.add_argument("--node-modules", default=os.path.join(repo, "node_modules"))
    parser.add_argument("--python-lib", default="/usr/lib/python3.11")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seed", type=int, default=20240611)
    parser.add_argument("--target-steps", type=int, default=720)
    parser.add_argument("--draft-steps", type=int, default=720)
    parser.add_argument("--tokens-per-step", type=int, default=4096)
    parser.add_argument("--quick", action="store_true", help="tiny run to check the pipeline (models are useless)")
    args = parser.parse_args()
    if args.quick:
        args.target_steps, args.draft_steps = 5, 5
        args.out = os.path.join(args.work, "quick")
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    os.makedirs(args.out, exist_ok=True)
    os.makedirs(args.work, exist_ok=True)
    node_modules = os.path.realpath(args.node_modules)
    started = time.time()

    documents, sources, digests = build_corpus(node_modules, args.python_lib, args.seed, js_bytes=24_000_000, py_bytes=6_000_000)
    held_out = held_out_documents(node_modules)
    leaked = [name for name, text in held_out if hashlib.sha256(text.encode("utf-8")).hexdigest() in digests]
    if leaked:
        sys.exit(f"held-out files found in the training corpus: {leaked}")
    corpus_hash = hashlib.sha256("\0".join(documents).encode("utf-8")).hexdigest()
    log(f"corpus: {len(documents)} files, {sum(sources.values()) / 1e6:.1f} M chars "
        f"({', '.join(f'{k} {v / 1e6:.1f} M' for k, v in sorted(sources.items()))}), sha256 {corpus_hash[:16]}; "
        f"held out: {len(held_out)} files of {HELD_OUT_PACKAGE}/lib/common")

    # Tokenizer: BPE on a seeded sample of the corpus.
    rng = random.Random(args.seed + 1)
    sample, sampled_chars = [], 0
    for document in rng.sample(documents, k=len(documents)):
        if sampled_chars > 6_000_000:
            break
        sample.append(document)
        sampled_chars += len(document)
    bpe_started = time.time()
    texts_with_merges, merges = train_bpe(sample, VOCAB_SIZE - FIRST_MERGED_ID)
    token_texts = vocabulary(texts_with_merges)
    # Merged token k (k >= 256 in texts_with_merges) gets id k + len(SPECIALS); remap merges to final texts.
    merges_text = [f"{texts_with_merges[a]} {texts_with_merges[b]}" for a, b in merges]
    tokenizer = Tokenizer(token_texts, [(remap(a), remap(b)) for a, b in merges])
    held_text = "".join(text for _n, text in held_out)
    held_ids = tokenizer.encode(held_text)
    if tokenizer.decode(held_ids) != held_text:
        sys.exit("the tokenizer does not round-trip the held-out text")
    log(f"tokenizer: {len(token_texts)} tokens ({len(merges)} merges) in {time.time() - bpe_started:.0f} s; "
        f"held-out {len(held_text) / len(held_ids):.2f} chars/token")

    rows = held_out_rows(held_out, tokenizer, CONTEXT_LENGTH)
    models = {}
    timings = {}
    for role, shape, steps, lr, seed_offset in (("target", TARGET_SHAPE, args.target_steps, 3e-3, 10),
                                                ("draft", DRAFT_SHAPE, args.draft_steps, 4e-3, 20)):
        model = Llama(shape, len(token_texts), args.seed + seed_offset)
        log(f"{role}: {model.parameter_count() / 1e6:.2f} M parameters, {shape}")
        stream = ExampleStream(documents, tokenizer, args.seed + seed_offset + 1)
        timings[role] = train(model, stream, steps, args.tokens_per_step, lr, role, long_from=int(steps * 0.8))
        round_to_f16_(model)
        model.eval()
        models[role] = model
        export(model, token_texts, merges_text, os.path.join(args.out, f"code-{role}.gguf"))

    losses, agreement, count = evaluate([models["target"], models["draft"]], rows)
    log(f"held-out ({count} tokens): target loss {losses[0]:.3f} nats/token, draft {losses[1]:.3f}; "
        f"draft argmax agrees with target on {agreement[1] * 100:.1f} % of positions (teacher-forced)")

    prompts = bench_like_prompts(held_out, tokenizer, 4, seed=7)
    samples = []
    for name, prefix, suffix, prompt in prompts:
        target_out = greedy(models["target"], prompt, 48)
        samples.append({"file": name, "prefixTail": prefix[-120:], "suffixHead": suffix[:60],
                        "target": tokenizer.decode(target_out), "targetTokens": target_out})
        log(f"--- {name}: ...{prefix[-80:]!r}\n>>> {tokenizer.decode(target_out)!r}")

    # What PyTorch predicts, for the test that checks llama.cpp computes the same model from the GGUF.
    reference = {}
    with torch.no_grad():
        for role, model in models.items():
            entries = []
            for _name, _prefix, _suffix, prompt in prompts[:2]:
                top = model(torch.tensor([prompt]))[0].topk(2, dim=-1)
                entries.append({"tokens": prompt, "argmax": top.indices[:, 0].tolist(),
                                "margin": [round(float(m), 4) for m in (top.values[:, 0] - top.values[:, 1])]})
            reference[role] = entries
    with open(os.path.join(args.out, "reference.json"), "w") as handle:
        json.dump(reference, handle)

    summary = {
        "corpus": {"files": len(documents), "chars": dict(sources), "sha256": corpus_hash},
        "tokenizer": {"size": len(token_texts), "heldOutCharsPerToken": len(held_text) / len(held_ids)},
        "target": {"parameters": models["target"].parameter_count(), "shape": TARGET_SHAPE, "trainSeconds": timings["target"]},
        "draft": {"parameters": models["draft"].parameter_count(), "shape": DRAFT_SHAPE, "trainSeconds": timings["draft"]},
        "heldOut": {"tokens": count, "targetLoss": losses[0], "draftLoss": losses[1], "teacherForcedAgreement": agreement[1]},
        "steps": {"target": args.target_steps, "draft": args.draft_steps, "tokensPerStep": args.tokens_per_step},
        "seed": args.seed,
        "torch": torch.__version__,
        "threads": args.threads,
        "wallSeconds": time.time() - started,
        "samples": samples,
    }
    with open(os.path.join(args.out, "training.json"), "w") as handle:
        json.dump(summary, handle, indent=1)
    log(f"done in {(time.time() - started) / 60:.1f} min; wrote {args.out}")


def remap(index):
    return index if index < 256 else index + len(SPECIALS)


if __name__ == "__main__":
    main()
