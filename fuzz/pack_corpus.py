#!/usr/bin/env python3
"""Packs a directory of fuzz inputs into one regression file, replayed by
tests/it/fuzz_corpus.rs: each input is `<length in bytes>\\n<bytes>\\n`.

    python3 fuzz/pack_corpus.py fuzz/regressions/task_toml fuzz/regressions/task_toml.corpus
"""
import os
import sys

src, dst = sys.argv[1], sys.argv[2]
with open(dst, "wb") as out:
    for name in sorted(os.listdir(src)):
        data = open(os.path.join(src, name), "rb").read()
        out.write(b"%d\n" % len(data) + data + b"\n")
