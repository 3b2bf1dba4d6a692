"""The code pair's byte-level BPE tokenizer, standard library only (the training machine may lack
the `regex` module: then an `re` approximation of llama.cpp's "qwen2" pre-tokenizer is used, which
is the same on ASCII text and only differs in how some non-ASCII letters/digits are split)."""

import re
import sys
import time

# Qwen2.5-Coder's special tokens, each a single token.
SPECIALS = ["<|endoftext|>", "<|fim_prefix|>", "<|fim_middle|>", "<|fim_suffix|>", "<|fim_pad|>", "<|repo_name|>", "<|file_sep|>"]
EOT, FIM_PRE, FIM_MID, FIM_SUF, FIM_PAD, REPO_NAME, FILE_SEP = range(256, 256 + len(SPECIALS))
FIRST_MERGED_ID = 256 + len(SPECIALS)

_STARTED = time.time()


def log(message):
    print(f"[{time.strftime('%H:%M:%S')} +{time.time() - _STARTED:6.1f}s] {message}", flush=True)


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
BYTE_OF = {text: byte for byte, text in enumerate(BYTE_TEXT)}

# \p{L} ~ [^\W\d_], \p{N} ~ \d, [^\r\n\p{L}\p{N}] ~ (?:[^\r\n\w]|_).
APPROXIMATE_PRETOKENIZE = re.compile(
    r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|(?:[^\r\n\w]|_)?[^\W\d_]+|\d| ?(?:[^\s\w]|_)+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"""
)


def default_pretokenize():
    try:
        import regex
        return regex.compile(
            r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"""
        ).findall, "regex"
    except ImportError:
        return APPROXIMATE_PRETOKENIZE.findall, "re (approximation)"


class Tokenizer:
    """Applies the merges by rank within each pre-token, as llama.cpp's BPE tokenizer does."""

    def __init__(self, token_texts, merges, pretokenize=None):
        self.token_texts = token_texts
        self.rank = {pair: rank for rank, pair in enumerate(merges)}
        self.id_of = {text: index for index, text in enumerate(token_texts) if index < 256 or index >= FIRST_MERGED_ID}
        self.cache = {}
        if pretokenize is None:
            pretokenize, self.pretokenizer = default_pretokenize()
        else:
            self.pretokenizer = "given"
        self.pretokenize = pretokenize
        self.special_pattern = re.compile("(" + "|".join(re.escape(s) for s in SPECIALS) + ")")

    @staticmethod
    def load(data):
        merges = [tuple(line.split(" ", 1)) for line in data["merges"]]
        return Tokenizer(data["tokens"], merges)

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
        if len(self.cache) < 2_000_000:
            self.cache[piece] = ids
        return ids

    def encode(self, text):
        """Text to ids; special token texts stay text (as the engine tokenizes a document)."""
        ids = []
        for piece in self.pretokenize(text):
            ids.extend(self.piece_ids(piece))
        return ids

    def encode_with_specials(self, text):
        """Text to ids, with the special token texts (<|file_sep|>, ...) as their single tokens."""
        ids = []
        for index, part in enumerate(self.special_pattern.split(text)):
            if index % 2 == 1:
                ids.append(256 + SPECIALS.index(part))
            elif part:
                ids.extend(self.encode(part))
        return ids

    def decode(self, ids, specials=False):
        data = bytearray()
        for token in ids:
            if 256 <= token < FIRST_MERGED_ID:
                if specials:
                    data.extend(SPECIALS[token - 256].encode("utf-8"))
                continue
            data.extend(BYTE_OF[ch] for ch in self.token_texts[token])
        return data.decode("utf-8", errors="replace")


if __name__ == "__main__":
    sys.exit("a module of scripts/train-code-pair.py")
