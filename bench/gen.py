#!/usr/bin/env python3
"""gen.py WORKDIR: make the benchmark's inputs from corpora/ (nothing large is committed).

  WORKDIR/big.txt         one >= 100 MB rulebook: the corpora's articles, repeated and varied
                          (place names, numbering), in chapters of ten articles, numbered
                          第N章 / 第N条 with Arabic N (no real rulebook has 250,000 articles)
  WORKDIR/big-trad.txt    the same document in traditional script (the corpora through OpenCC
                          s2t, article for article)
  WORKDIR/national/       2,800 rulebooks of ~40 KB: each corpus text with its place names
                          replaced, one in eight in traditional script (OpenCC s2t, or s2twp
                          with Taiwan phrasing)
  WORKDIR/revisions/      for diff: 280 pairs (a national file and a revised copy of it: an
                          article dropped, one reworded, a deadline changed)
  WORKDIR/wrapped.txt     a 100 MB rulebook as a copy out of a PDF gives it: every line broken
                          after 30 characters (a line record and a block of the model each)
  WORKDIR/wrapped-trad.txt  the same in traditional script (the articles of big-trad.txt)
  WORKDIR/fullwidth-trad.txt  big-trad.txt with its punctuation full-width (，；：（）), as most
                          web copies print it: the view folds each mark to ASCII, a change of
                          length every dozen characters (the corpora's copies use ASCII)
  WORKDIR/fullwidth-wrapped-trad.txt  wrapped-trad.txt so: the layout of the largest peak
  WORKDIR/crlf-wrapped-trad.txt  wrapped-trad.txt with CR LF line ends, as a copy saved on
                          Windows has them: the view drops each CR, a change of length a line
  WORKDIR/small/          20,000 excerpts of a title and three to six articles (~1 KB each):
                          a run of many inputs, whose time should grow with their number only

The traditional texts are made with the `opencc` command (Debian package opencc), once per
corpus. The output is the same for the same corpora (fixed random seed).
"""
import os
import random
import re
import subprocess
import sys

NUM = "一二三四五六七八九十百零〇两"
FULLWIDTH = str.maketrans({",": "，", ";": "；", ":": "：", "(": "（", ")": "）"})
HEAD = re.compile(r"^\s*(?:第[%s]+条|[%s]+、)\s*" % (NUM, NUM))
CHAPTER = re.compile(r"^\s*第[%s]+章" % NUM)
# place names of the corpora, replaced in the national set
PLACES = ["常州市武进区", "武进区", "乌鲁木齐市", "二连浩特市", "武汉市", "重庆市", "常州市"]
# characters written the same in both scripts, for names that read right either way
NAME_CHARS = "山江平安和永定清河石林田新中南北东西上下大小天明阳春秋文华金玉云兴"


def opencc(text, config):
    r = subprocess.run(["opencc", "-c", config], input=text.encode(), capture_output=True,
                       check=True)
    return r.stdout.decode()


def articles(text):
    """Article texts (the body lines after the number), without numbers and chapters."""
    out, cur, seen = [], None, set()
    started = False
    for line in text.split("\n"):
        if CHAPTER.match(line):
            started = True
            continue
        m = HEAD.match(line)
        if m:
            started = True
            if cur:
                out.append(cur)
            cur = [line[m.end():]]
        elif started and cur is not None and line.strip():
            cur.append(line)
    if cur:
        out.append(cur)
    uniq = []
    for a in out:  # the Chongqing text repeats a run of articles: keep one of each
        k = "\n".join(a)
        if k not in seen and len(k) > 4:
            seen.add(k)
            uniq.append(a)
    return uniq


def name(rng):
    return "".join(rng.choice(NAME_CHARS) for _ in range(2))


def big(path, arts, rng, target):
    heads = ["总则", "职责", "会议制度", "公文审批", "工作纪律", "附则", "决策程序", "监督"]
    n = ch = 0
    size = 0
    with open(path, "w", encoding="utf-8") as f:
        f.write("某市人民政府工作规则\n")
        while size < target:
            ch += 1
            line = "第%d章 %s\n" % (ch, heads[ch % len(heads)])
            f.write(line)
            size += len(line.encode())
            for _ in range(10):
                n += 1
                a = arts[rng.randrange(len(arts))]
                body = "第%d条 %s\n" % (n, a[0]) + "".join(x + "\n" for x in a[1:])
                f.write(body)
                size += len(body.encode())
    return n


def wrapped(path, arts, rng, target, width=30):
    """Articles as big() writes them, each line broken after width characters."""
    n = size = 0
    with open(path, "w", encoding="utf-8") as f:
        f.write("某市人民政府工作规则\n")
        while size < target:
            n += 1
            a = arts[rng.randrange(len(arts))]
            for line in ["第%d条 %s" % (n, a[0])] + a[1:]:
                for k in range(0, len(line), width):
                    piece = line[k:k + width] + "\n"
                    f.write(piece)
                    size += len(piece.encode())
    return n


def revise(text, rng):
    """A later revision: drop one article's last line, reword one, change one number."""
    lines = text.split("\n")
    heads = [i for i, l in enumerate(lines) if HEAD.match(l)]
    if len(heads) > 4:
        i = heads[rng.randrange(1, len(heads) - 1)]
        lines[i] = lines[i].replace("应当", "须", 1).replace("研究", "研究决定", 1)
        j = heads[rng.randrange(1, len(heads) - 1)]
        lines[j] = re.sub(r"([0-9一二三四五六七八九十]+)(个工作日|日|天)",
                          lambda m: "5" + m.group(2), lines[j], count=1)
    return "\n".join(lines)


def main():
    work = sys.argv[1] if len(sys.argv) > 1 else "build/bench"
    target = int(os.environ.get("BENCH_BIG_MB", "100")) * 1000 * 1000 + 500_000
    nat = int(os.environ.get("BENCH_FILES", "2800"))
    os.makedirs(os.path.join(work, "national"), exist_ok=True)
    os.makedirs(os.path.join(work, "revisions"), exist_ok=True)
    src = sorted(p for p in os.listdir("corpora") if p.endswith(".txt"))
    texts = {}
    for p in src:
        t = open(os.path.join("corpora", p), encoding="utf-8").read()
        s = opencc(t, "t2s.json")
        changed = sum(a != b for a, b in zip(t, s)) if len(s) == len(t) else len(t)
        # a traditional corpus (Chongqing's copy is Taiwan-phrased): simplified first, so that
        # every variant below is one consistent conversion of a simplified text
        texts[p] = opencc(t, "tw2sp.json") if changed * 20 > len(t) else t
    trad = {p: opencc(t, "s2t.json") for p, t in texts.items()}
    tw = {p: opencc(t, "s2twp.json") for p, t in texts.items()}

    arts = [a for p in src for a in articles(texts[p])]
    arts_t = [a for p in src for a in articles(trad[p])]
    n1 = big(os.path.join(work, "big.txt"), arts, random.Random(7), target)
    n2 = big(os.path.join(work, "big-trad.txt"), arts_t, random.Random(7), target)
    assert len(arts) == len(arts_t), "the traditional corpora split into other articles"
    wrap_mb = int(os.environ.get("BENCH_WRAPPED_MB", "100")) * 1000 * 1000
    wrapped(os.path.join(work, "wrapped.txt"), arts, random.Random(7), wrap_mb)
    wrapped(os.path.join(work, "wrapped-trad.txt"), arts_t, random.Random(7), wrap_mb)
    for plain, wide in (("big-trad.txt", "fullwidth-trad.txt"),
                        ("wrapped-trad.txt", "fullwidth-wrapped-trad.txt")):
        with open(os.path.join(work, plain), encoding="utf-8") as f:
            t = f.read().translate(FULLWIDTH)
        with open(os.path.join(work, wide), "w", encoding="utf-8") as f:
            f.write(t)
        del t
    with open(os.path.join(work, "wrapped-trad.txt"), encoding="utf-8") as f:
        t = f.read()
    with open(os.path.join(work, "crlf-wrapped-trad.txt"), "w", encoding="utf-8",
              newline="\r\n") as f:
        f.write(t)
    del t

    rng = random.Random(11)
    for i in range(nat):
        p = src[i % len(src)]
        kind = "simp"
        t = texts[p]
        if i % 8 == 3:
            t, kind = trad[p], "trad"
        elif i % 16 == 7:
            t, kind = tw[p], "tw"
        nm = name(rng)
        for pl in PLACES:
            t = t.replace(pl, nm + pl[-1])
        fn = "%04d-%s-%s.txt" % (i, os.path.splitext(p)[0].split("-")[0], kind)
        with open(os.path.join(work, "national", fn), "w", encoding="utf-8") as f:
            f.write(t)
        if i % 10 == 0:
            with open(os.path.join(work, "revisions", fn), "w", encoding="utf-8") as f:
                f.write(revise(t, rng))
    nsmall = int(os.environ.get("BENCH_SMALL", "20000"))
    os.makedirs(os.path.join(work, "small"), exist_ok=True)
    rng = random.Random(13)
    for i in range(nsmall):
        k = rng.randrange(len(arts) - 6)
        body = "".join("第%s条 %s\n" % (NUM[j], a[0]) + "".join(x + "\n" for x in a[1:])
                       for j, a in enumerate(arts[k:k + 3 + rng.randrange(4)]))
        with open(os.path.join(work, "small", "s%05d.txt" % i), "w", encoding="utf-8") as f:
            f.write("%s市人民政府工作规则\n%s" % (name(rng), body))
    print("gen.py: big.txt %d articles, big-trad.txt %d articles, %d national files, %d small"
          % (n1, n2, nat, nsmall))


if __name__ == "__main__":
    main()
