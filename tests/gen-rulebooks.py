#!/usr/bin/env python3
"""gen-rulebooks.py N DIR: write N synthetic work rulebooks (DIR/gen-NNN.txt) for the tests of
`compare` over many inputs. The sentences are written for this test from the shapes the
grammar reads (chapters, articles numbered 第X条 or 一、, meetings and their frequency, who signs
the minutes, who approves an absence, deadlines); the place names are made up. Deterministic:
the same N gives the same files. Prints one line per file: id, level, executive meetings a year
(or -), so a test can check the tables against what was generated."""
import os
import random
import sys

NUM = "零一二三四五六七八九十"


def cn(n):
    if n <= 10:
        return NUM[n]
    if n < 20:
        return "十" + (NUM[n - 10] if n > 10 else "")
    return NUM[n // 10] + "十" + (NUM[n % 10] if n % 10 else "")


LEVELS = [  # suffix, head word, level, weight
    ("省", "省长", "province", 1),
    ("市", "市长", "city", 4),
    ("县", "县长", "county", 4),
    ("区", "区长", "district", 3),
]
SYL = "东南西北安平宁和兴华明长永新清阳丰泰康盛隆昌德福源江河山川林"
EXEC = [  # phrase, per year
    ("每周召开一次", 52), ("每两周召开一次", 26), ("每月召开两次", 24), ("每月召开一次", 12),
    ("每半个月召开一次", 24), ("每季度召开一次", 4),
]
PLENARY = [("每年召开一至两次", 1), ("每半年召开一次", 2), ("每年召开两次", 2), (None, None)]
UNITS = ["个工作日", "日", "天"]


def rulebook(i, rnd):
    suffix, head, level, _ = rnd.choices(LEVELS, weights=[l[3] for l in LEVELS])[0]
    place = "".join(rnd.sample(SYL, 2)) + suffix
    gov = place + "人民政府"
    deputy = "副" + head
    exec_phrase, exec_py = rnd.choice(EXEC)
    plen_phrase, _ = rnd.choice(PLENARY)
    year = rnd.randint(2008, 2023)
    minutes_signer = rnd.choice([head, "常务" + deputy, head])
    approver = rnd.choice([head, head, gov])
    unit = rnd.choice(UNITS)
    days = rnd.randint(2, 15)
    sentences = [
        ("总则", [
            f"为规范{gov}的工作,提高行政效能,根据有关法律法规,结合本{suffix}实际,制定本规则。",
            f"{gov}实行{head}负责制。{head}领导{gov}的全面工作,{deputy}协助{head}工作。",
        ]),
        ("会议制度", [
            f"{gov}实行全体会议、常务会议和{head}办公会议制度。",
            f"{gov}全体会议由{head}、{deputy}和各部门主要负责人组成,由{head}召集和主持。"
            + (f"全体会议一般{plen_phrase}。" if plen_phrase else ""),
            f"{gov}常务会议由{head}、{deputy}组成,由{head}召集和主持。常务会议一般{exec_phrase},"
            "根据需要可临时召开。",
            f"{gov}常务会议纪要由{minutes_signer}签发。",
        ]),
        ("公文审批", [
            f"以{gov}名义发布的公文,由{head}签发。",
            f"各部门收到交办事项后,应当在{cn(days)}{unit}内办结并报告结果。",
        ]),
        ("工作纪律", [
            f"{deputy}离开本{suffix}外出,应事先向{approver}请假。",
            f"会议材料应当提前{cn(rnd.randint(1, 3))}天送达参会人员。",
        ]),
    ]
    style = rnd.choice(["tiao", "dun"])
    lines = [f"{gov}工作规则", f"{year}年{rnd.randint(1, 12)}月{rnd.randint(1, 28)}日", ""]
    n = 0
    for ch, (title, arts) in enumerate(sentences, 1):
        lines.append(f"第{cn(ch)}章 {title}")
        for a in arts:
            n += 1
            lines.append(f"第{cn(n)}条 {a}" if style == "tiao" else f"{cn(n)}、{a}")
        lines.append("")
    return "\n".join(lines) + "\n", level, exec_py


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: gen-rulebooks.py N DIR")
    n, d = int(sys.argv[1]), sys.argv[2]
    os.makedirs(d, exist_ok=True)
    rnd = random.Random(20261130)
    for i in range(1, n + 1):
        text, level, py = rulebook(i, rnd)
        name = f"gen-{i:03d}"
        with open(os.path.join(d, name + ".txt"), "w", encoding="utf-8") as f:
            f.write(text)
        print(name, level, py)


if __name__ == "__main__":
    main()
