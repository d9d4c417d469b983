#!/usr/bin/env python3
"""peer.py OUTDIR FILE...: what a researcher would write instead of rulebook. Splits each
rulebook text into articles with `re` and writes OUTDIR/NAME.jsonl, one JSON object per
article (number, line, text). Run once per file, or once over all files."""
import json
import os
import re
import sys

HEAD = re.compile(r"^\s*(第[一二三四五六七八九十百零〇两0-9]+条|[一二三四五六七八九十]+、)", re.M)


def split(text):
    heads = list(HEAD.finditer(text))
    line, at = 1, 0
    for i, m in enumerate(heads):
        end = heads[i + 1].start() if i + 1 < len(heads) else len(text)
        line += text.count("\n", at, m.start())  # counted incrementally: linear overall
        at = m.start()
        yield m.group(1), line, text[m.end():end].strip()


def main():
    out = sys.argv[1]
    for path in sys.argv[2:]:
        with open(path, encoding="utf-8-sig") as f:
            text = f.read()
        name = os.path.splitext(os.path.basename(path))[0]
        with open(os.path.join(out, name + ".jsonl"), "w", encoding="utf-8") as o:
            for num, line, body in split(text):
                o.write(json.dumps({"number": num, "line": line, "text": body},
                                   ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
