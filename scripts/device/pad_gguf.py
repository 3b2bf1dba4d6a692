#!/usr/bin/env python3
"""Pads a trained llama-architecture GGUF so that it costs what a real model costs, with the same output.

The same construction as src/fixtures/codePair.ts (buildPaddedTarget), written for the GPU machine,
which has Python and PyTorch but no node: every FFN gets extra hidden units whose `ffn_down` columns
are zero, and extra blocks follow the trained ones with `attn_output` and `ffn_down` all zero, so the
residual stream — and so every logit — is the trained model's up to float rounding. Padding weights
are seeded noise, stored F16.

Only the Python standard library is needed (torch is used when present, for speed of the noise).

    python3 pad_gguf.py IN.gguf OUT.gguf --ffn 24576 --extra-blocks 24
"""

import argparse
import ctypes
import random
import struct
import sys

GGUF_MAGIC = b"GGUF"
# GGUF value types
U8, I8, U16, I16, U32, I32, F32, BOOL, STRING, ARRAY, U64, I64, F64 = range(13)
SCALAR = {U8: "<B", I8: "<b", U16: "<H", I16: "<h", U32: "<I", I32: "<i", F32: "<f", BOOL: "<?", U64: "<Q", I64: "<q", F64: "<d"}
# ggml tensor types used here
T_F32, T_F16 = 0, 1
TYPE_SIZE = {T_F32: 4, T_F16: 2}


class Reader:
    def __init__(self, data):
        self.data = data
        self.pos = 0

    def take(self, fmt):
        value = struct.unpack_from(fmt, self.data, self.pos)[0]
        self.pos += struct.calcsize(fmt)
        return value

    def string(self):
        length = self.take("<Q")
        value = self.data[self.pos:self.pos + length]
        self.pos += length
        return value

    def value(self, kind):
        if kind in SCALAR:
            return self.take(SCALAR[kind])
        if kind == STRING:
            return self.string()
        if kind == ARRAY:
            item_kind = self.take("<I")
            count = self.take("<Q")
            return (item_kind, [self.value(item_kind) for _ in range(count)])
        raise ValueError(f"unknown GGUF value type {kind}")


def write_value(out, kind, value):
    if kind in SCALAR:
        out += struct.pack(SCALAR[kind], value)
    elif kind == STRING:
        out += struct.pack("<Q", len(value)) + value
    elif kind == ARRAY:
        item_kind, items = value
        out += struct.pack("<IQ", item_kind, len(items))
        for item in items:
            write_value(out, item_kind, item)
    else:
        raise ValueError(f"unknown GGUF value type {kind}")


def read_gguf(path):
    with open(path, "rb") as handle:
        data = handle.read()
    reader = Reader(data)
    if data[:4] != GGUF_MAGIC:
        raise ValueError(f"{path}: not a GGUF file")
    reader.pos = 4
    version = reader.take("<I")
    n_tensors = reader.take("<Q")
    n_kv = reader.take("<Q")
    kv = []
    for _ in range(n_kv):
        key = reader.string().decode("utf-8")
        kind = reader.take("<I")
        kv.append([key, kind, reader.value(kind)])
    infos = []
    for _ in range(n_tensors):
        name = reader.string().decode("utf-8")
        n_dims = reader.take("<I")
        dims = [reader.take("<Q") for _ in range(n_dims)]
        ttype = reader.take("<I")
        offset = reader.take("<Q")
        infos.append((name, dims, ttype, offset))
    alignment = next((value for key, _, value in kv if key == "general.alignment"), 32)
    base = (reader.pos + alignment - 1) // alignment * alignment
    tensors = []
    for name, dims, ttype, offset in infos:
        if ttype not in TYPE_SIZE:
            raise ValueError(f"{name}: only F32/F16 tensors are supported (type {ttype})")
        count = 1
        for dim in dims:
            count *= dim
        start = base + offset
        tensors.append([name, dims, ttype, data[start:start + count * TYPE_SIZE[ttype]]])
    return version, kv, tensors, alignment


def write_gguf(path, version, kv, tensors, alignment):
    header = bytearray(GGUF_MAGIC + struct.pack("<IQQ", version, len(tensors), len(kv)))
    for key, kind, value in kv:
        write_value(header, STRING, key.encode("utf-8"))
        header += struct.pack("<I", kind)
        write_value(header, kind, value)
    offset = 0
    for name, dims, ttype, blob in tensors:
        write_value(header, STRING, name.encode("utf-8"))
        header += struct.pack("<I", len(dims)) + b"".join(struct.pack("<Q", d) for d in dims)
        header += struct.pack("<IQ", ttype, offset)
        offset += (len(blob) + alignment - 1) // alignment * alignment
    header += b"\0" * ((-len(header)) % alignment)
    with open(path, "wb") as handle:
        handle.write(header)
        for _, _, _, blob in tensors:
            handle.write(blob)
            handle.write(b"\0" * ((-len(blob)) % alignment))


def noise_f16(count, scale, rng):
    """`count` F16 values uniform in [-scale, scale]."""
    try:
        import torch
        generator = torch.Generator().manual_seed(rng.randrange(1 << 62))
        values = ((torch.rand(count, generator=generator) * 2 - 1) * scale).to(torch.float16).contiguous()
        # No numpy needed: the tensor's own memory, copied out.
        return ctypes.string_at(values.data_ptr(), values.numel() * 2)
    except ImportError:
        return b"".join(struct.pack("<e", rng.uniform(-scale, scale)) for _ in range(count))


def pad(path_in, path_out, ffn, extra_blocks, seed="specula-device-padding"):
    version, kv, tensors, alignment = read_gguf(path_in)
    meta = {key: value for key, _, value in kv}
    width = meta["llama.embedding_length"]
    blocks = meta["llama.block_count"]
    trained = meta["llama.feed_forward_length"]
    heads = meta["llama.attention.head_count"]
    kv_heads = meta.get("llama.attention.head_count_kv", heads)
    if ffn < trained:
        raise ValueError(f"--ffn {ffn} is narrower than the trained {trained}")
    for entry in kv:
        if entry[0] == "llama.block_count":
            entry[2] = blocks + extra_blocks
        elif entry[0] == "llama.feed_forward_length":
            entry[2] = ffn
        elif entry[0] == "general.name":
            entry[2] = entry[2] + b" (padded for realistic cost)"
    rng = random.Random(seed)
    scale = (3 / width) ** 0.5
    out = []
    for name, dims, ttype, blob in tensors:
        size = TYPE_SIZE[ttype]
        if name.endswith((".ffn_gate.weight", ".ffn_up.weight")):
            assert dims == [width, trained], (name, dims)
            extra = (ffn - trained) * width
            pad_blob = noise_f16(extra, scale, rng) if ttype == T_F16 else b"".join(struct.pack("<f", rng.uniform(-scale, scale)) for _ in range(extra))
            out.append([name, [width, ffn], ttype, blob + pad_blob])
        elif name.endswith(".ffn_down.weight"):
            assert dims == [trained, width], (name, dims)
            row_pad = b"\0" * ((ffn - trained) * size)
            rows = [blob[i * trained * size:(i + 1) * trained * size] + row_pad for i in range(width)]
            out.append([name, [ffn, width], ttype, b"".join(rows)])
        else:
            out.append([name, dims, ttype, blob])
    head_dim = width // heads
    ones = struct.pack("<f", 1.0) * width
    for block in range(blocks, blocks + extra_blocks):
        prefix = f"blk.{block}."
        out.append([prefix + "attn_norm.weight", [width], T_F32, ones])
        out.append([prefix + "attn_q.weight", [width, heads * head_dim], T_F16, noise_f16(width * heads * head_dim, scale, rng)])
        out.append([prefix + "attn_k.weight", [width, kv_heads * head_dim], T_F16, noise_f16(width * kv_heads * head_dim, scale, rng)])
        out.append([prefix + "attn_v.weight", [width, kv_heads * head_dim], T_F16, noise_f16(width * kv_heads * head_dim, scale, rng)])
        out.append([prefix + "attn_output.weight", [heads * head_dim, width], T_F16, b"\0" * (2 * heads * head_dim * width)])
        out.append([prefix + "ffn_norm.weight", [width], T_F32, ones])
        out.append([prefix + "ffn_gate.weight", [width, ffn], T_F16, noise_f16(width * ffn, scale, rng)])
        out.append([prefix + "ffn_up.weight", [width, ffn], T_F16, noise_f16(width * ffn, scale, rng)])
        out.append([prefix + "ffn_down.weight", [ffn, width], T_F16, b"\0" * (2 * ffn * width)])
    write_gguf(path_out, version, kv, out, alignment)
    params = sum(len(blob) // TYPE_SIZE[ttype] for _, _, ttype, blob in out)
    print(f"padded {path_in} -> {path_out}: {blocks}+{extra_blocks} blocks, FFN {trained}->{ffn}, {params / 1e6:.0f} M parameters", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("input")
    parser.add_argument("output")
    parser.add_argument("--ffn", type=int, required=True, help="FFN width after padding")
    parser.add_argument("--extra-blocks", type=int, required=True, help="blocks added after the trained ones")
    args = parser.parse_args()
    pad(args.input, args.output, args.ffn, args.extra_blocks)


if __name__ == "__main__":
    sys.exit(main())
