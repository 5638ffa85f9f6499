"""GPT-2's tokenisation of fixed texts, by an independent encoder, for tests/test_tokenizer.c.

This is OpenAI's algorithm (gpt-2/src/encoder.py, 2019) written out again over
the same files, encoder.json and vocab.bpe, with the same `regex` module
(Debian's python3-regex), so the C encoder is checked against GPT-2 itself
rather than against our own reading of it:

    text   = data.decode("utf-8", "surrogateescape")
    pieces = regex.findall(PATTERN, text)
    each piece -> its UTF-8 bytes -> GPT-2's byte alphabet -> bpe() -> ids

The one addition is "surrogateescape": GPT-2 never defined invalid UTF-8 (its
encoder takes a str), and this is the reading common/bpe.h documents: each
invalid byte is one character that is neither letter, number nor space, and
it keeps its byte. On valid UTF-8 nothing changes.

Writes tests/fixtures/gpt_bpe.bin: for each case NAME, text_NAME (the bytes)
and ids_NAME (the ids), integers stored as float32 (exact below 2^24).
Cases named special_* are encoded with "<|endoftext|>" as the EOT token.

    cd /work/main && NLP_DATA_DIR=../shared/data /usr/bin/python3 tests/ref/ref_gpt2_bpe.py
"""
import json
import os
import sys

import regex

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from fixture import write_fixture  # noqa: E402

PATTERN = regex.compile(r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+""")
EOT = "<|endoftext|>"


def byte_alphabet():
    """GPT-2's bytes_to_unicode: printable bytes stand for themselves, the
    other 68 get U+0100 upward in byte order."""
    keep = list(range(ord("!"), ord("~") + 1)) + list(range(0xA1, 0xAC + 1)) + list(range(0xAE, 0xFF + 1))
    table, extra = {}, 0
    for b in range(256):
        if b in keep:
            table[b] = chr(b)
        else:
            table[b] = chr(256 + extra)
            extra += 1
    return table


class Gpt2Bpe:
    def __init__(self, folder):
        with open(os.path.join(folder, "encoder.json"), encoding="utf-8") as f:
            self.encoder = json.load(f)
        with open(os.path.join(folder, "vocab.bpe"), encoding="utf-8") as f:
            lines = f.read().split("\n")[1:-1]
        self.ranks = {tuple(line.split()): r for r, line in enumerate(lines)}
        self.alphabet = byte_alphabet()

    def bpe(self, word):
        """Merge the lowest-ranked adjacent pair, all occurrences, until none is ranked."""
        word = list(word)
        while len(word) > 1:
            pairs = {(word[i], word[i + 1]) for i in range(len(word) - 1)}
            best = min(pairs, key=lambda p: self.ranks.get(p, float("inf")))
            if best not in self.ranks:
                break
            out, i = [], 0
            while i < len(word):
                if i + 1 < len(word) and (word[i], word[i + 1]) == best:
                    out.append(word[i] + word[i + 1])
                    i += 2
                else:
                    out.append(word[i])
                    i += 1
            word = out
        return word

    def encode_ordinary(self, data):
        text = data.decode("utf-8", "surrogateescape")
        ids = []
        for piece in PATTERN.findall(text):
            raw = piece.encode("utf-8", "surrogateescape")
            ids += [self.encoder[t] for t in self.bpe("".join(self.alphabet[b] for b in raw))]
        return ids

    def encode(self, data, allow_special=False):
        if not allow_special:
            return self.encode_ordinary(data)
        ids = []
        parts = data.split(EOT.encode())
        for k, part in enumerate(parts):
            if k:
                ids.append(self.encoder[EOT])
            ids += self.encode_ordinary(part)
        return ids


CASES = {
    "english": "The quick brown fox jumps over the lazy dog. A tokenizer splits text into pieces, "
               "then merges bytes; GPT-2 learned 50,000 merges from WebText.",
    "contractions": "I'm sure you'll see he'd've gone; we've, they're, it's, IT'S, Don't, don\u2019t, "
                    "''s 't x'sy 'll'd's",
    "code": 'def square(x):\n    return x ** 2  # the square\n\n\tif (a != b) {\n\t\tprintf("%d\\n", a[i]);\n\t}\n'
            "int main(void) { return 0; }   \n",
    "numbers": "In 1984, 3.14159 and 2,000,000 people paid $12.50 (or \u00a51000) on 2024-01-01; "
               "\u0663\u0664 \u00bd \u216b 1st 123456789012345",
    "whitespace": "   lead  two   three\n\n\nlines \t\t tabs \r\n crlf      \n\n   \u00a0nbsp\u3000ideo"
                  "\u2028ls\u0085nel\u180emvs\u2003em  trail   ",
    "cjk": "\u4f60\u597d\uff0c\u4e16\u754c\uff01\u65e5\u672c\u8a9e\u306e\u30c6\u30ad\u30b9\u30c8\u3067\u3059\u3002"
           "\ud55c\uad6d\uc5b4 \ud14d\uc2a4\ud2b8\ub3c4 \uc788\uc2b5\ub2c8\ub2e4. \u6f22\u5b57abc\u304b\u306a",
    "emoji": "I \u2764\ufe0f llamas \U0001f999s! \U0001f468\u200d\U0001f469\u200d\U0001f467 family, "
             "\U0001f1eb\U0001f1f7 flag, \U0001f600\U0001f600\U0001f600 and caf\u00e9 na\u00efve",
    "repeats": "aaaaaaaaaaaaaaaaa " + " " * 40 + "!!!!!!!!!!!! ---------- ==== \n\n\n\n" + "ab" * 20,
}
BYTE_CASES = {
    "invalid": b"caf\xe9 \xff\xfe abc\x80def \xc3( \xe2\x82 ok \xed\xa0\x80 \xf0\x9f\x98 end!\xff? "
               b"\xc0\xaf over\xf5 \x00nul \xfe\xfe\xfe x\xffy 1\xff2 \xff",
    "eot_plain": b"Hello<|endoftext|>World <|endoftext|> again<|endoftext|>",
    "special_eot": b"Hello<|endoftext|>World <|endoftext|> again<|endoftext|>",
    "empty": b"",
}


def main():
    folder = os.path.join(os.environ.get("NLP_DATA_DIR", "data/cache"), "gpt2")
    enc = Gpt2Bpe(folder)
    cases = {k: v.encode("utf-8") for k, v in CASES.items()}
    cases.update(BYTE_CASES)
    tensors = {}
    for name, data in cases.items():
        ids = enc.encode(data, allow_special=name.startswith("special_"))
        tensors["text_" + name] = [float(b) for b in data]
        tensors["ids_" + name] = [float(i) for i in ids]
        print(f"{name:13s} {len(data):4d} bytes -> {len(ids):3d} tokens")
    write_fixture("gpt_bpe", tensors)


if __name__ == "__main__":
    main()
