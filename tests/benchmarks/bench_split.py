"""Splitting benchmark: a labelled set of concatenated articles, built from the seeds' sentences.

Every layout the splitter knows, in both scripts, mixed within one file: title line + body +
``(source)``; blank-line blocks; markdown headings with sections; tag lines; agency, newspaper,
portal, Taiwan and Hong Kong datelines (some with a start marker only, some without a title);
bylines; editor, source, WeChat and disclaimer lines; and negative cases (parentheses and quoted
credits inside paragraphs). Prints boundary precision/recall/F1, title, source and text accuracy,
and splitting speed.

    python -m tests.benchmarks.bench_split [--files 400] [--seed 7] [--show 0]
"""

from __future__ import annotations

import argparse
import random
import re
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "seeds"


@dataclass
class Labelled:
    lines: list[str]  # rendered lines (title, credits, paragraphs)
    title: str | None
    source: str | None
    body: list[str]  # expected article text, as lines
    opens: bool  # has a start marker or heading: detectable after an article with no end marker
    closes: bool  # has an end credit or credit line
    kind: str


@dataclass
class Truth:
    start: int
    title: str | None
    source: str | None
    text: str
    tags: tuple[str, ...]
    kind: str


def _sentences() -> dict[str, list[str]]:
    """Sentences from the seeds, by script, with no line breaks and ending in 。."""
    from toolkit.split import body_text, find_segments

    out: dict[str, list[str]] = {"hant": [], "hans": []}
    for path, script in ((SEEDS / "000_79e19496e3b9640c.txt", "hant"), (SEEDS / "004_14352a4bf9531335.txt", "hans")):
        text = path.read_text(encoding="utf-8")
        for seg in find_segments(text):
            if seg.kind != "article":
                continue
            for line in body_text(text, seg).split("\n"):
                if line.startswith("#"):
                    continue
                for s in re.findall(r"[^。]{8,90}。", line):
                    if not re.match(r"\s*新[华華]社", s):  # the seed's own dateline would open an article
                        out[script].append(s.strip())
    return out


NAMES = ["王晓明", "李华", "张伟", "陈静", "刘洋", "黄楠", "富充", "梦晨", "彭孝秋", "何宏儒", "劉學源", "林相美",
         "戴雅真", "鲁元珍", "王英轩", "华洪立", "林光耀", "施亚磊"]
CITIES = {"hans": ["北京", "上海", "广州", "深圳", "桑给巴尔", "约翰内斯堡"], "hant": ["北京", "台北", "香港", "東京"]}
PAREN_SOURCES = ["汽車商業評論", "央视新闻", "界面新闻", "第一財經", "虎嗅APP", "36氪", "澎湃新闻", "晶片研究室",
                 "中國汽車報", "財新網", "AutoReport汽車產經", "经济观察报", "Reuters"]
WECHAT = [("量子位", "QbitAI"), ("机器之心", "almosthuman2014"), ("晚点LatePost", "postlate")]
FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


class Builder:
    def __init__(self, rng: random.Random, sentences: dict[str, list[str]]) -> None:
        self.rng = rng
        self.sentences = sentences

    def para(self, script: str, n: int | None = None) -> str:
        return "".join(self.rng.choice(self.sentences[script]) for _ in range(n or self.rng.randint(1, 4)))

    def paras(self, script: str, lo: int = 1, hi: int = 4) -> list[str]:
        return [self.para(script) for _ in range(self.rng.randint(lo, hi))]

    def title(self, script: str) -> str:
        s = self.rng.choice(self.sentences[script])
        cut = s[: self.rng.randint(8, 24)]
        cut = re.sub(r"[。，,；;：:、\s（(]+$", "", cut) or "標題"
        return cut + self.rng.choice(["", "", "", "?", "!", "？", "！"])

    def name(self) -> str:
        return self.rng.choice(NAMES)

    def date(self, script: str, full: bool = False) -> str:
        d = f"{self.rng.randint(1, 12)}月{self.rng.randint(1, 28)}日"
        return d.translate(FULLWIDTH) if full else d

    def maybe_title(self, script: str, p: float = 0.7) -> str | None:
        return self.title(script) if self.rng.random() < p else None

    def paren(self, source: str) -> str:
        return self.rng.choice([f" ({source})", f"({source})", f"（{source}）", f"（来源：{source}）"])

    # --- one generator per layout ---

    def seed_layout(self, script: str) -> Labelled:
        title, src, body = self.title(script), self.rng.choice(PAREN_SOURCES), self.paras(script, 1, 3)
        lines = [title, *body[:-1], body[-1] + self.paren(src)]
        return Labelled(lines, title, src, body, False, True, "title_paren")

    def markdown(self, script: str) -> Labelled:
        title = self.title(script)
        body: list[str] = []
        for _ in range(self.rng.randint(0, 2)):
            body.append("## " + self.title(script))
            body.extend(self.paras(script, 1, 2))
        body.extend(self.paras(script, 1, 2))
        src = self.rng.choice([None, self.rng.choice(PAREN_SOURCES)])
        lines = ["# " + title, *body]
        if src:
            lines[-1] += self.paren(src)
        return Labelled(lines, title, src, body, True, src is not None, "markdown")

    def xinhua(self, script: str) -> Labelled:
        agency = "新華社" if script == "hant" else "新华社"
        full = script == "hant" and self.rng.random() < 0.5
        dateline = f"{agency}{self.rng.choice(CITIES[script])}{self.date(script, full)}{'電' if script == 'hant' else '电'}"
        body = self.paras(script)
        body[0] = dateline + self.rng.choice([" ", "　", ""]) + body[0]
        end = self.rng.choice(["", "（完）", f"（記者{self.name()}）" if script == "hant" else f"（记者 {self.name()}）"])
        lines = [*([t] if (t := self.maybe_title(script)) else []), *body[:-1], body[-1] + end]
        return Labelled(lines, t, agency, body, True, bool(end), "xinhua")

    def cns(self, script: str) -> Labelled:
        body = self.paras(script)
        body[0] = f"中新社{self.rng.choice(CITIES['hans'])}{self.date(script)}电（记者 {self.name()}）" + body[0]
        t = self.maybe_title(script)
        return Labelled([*([t] if t else []), *body], t, "中新社", body, True, False, "cns")

    def renmin(self, script: str) -> Labelled:
        body = self.paras(script, 2, 4)
        lead = self.rng.choice([f"本报{self.rng.choice(CITIES['hans'])}{self.date(script)}电", f"本报讯（记者 {self.name()}）",
                                f"人民网北京{self.date(script)}电"])
        body[0] = lead + self.rng.choice([" ", ""]) + body[0]
        source = "人民网" if lead.startswith("人民网") else "本报"
        ends = ["", f"{self.name()}摄（人民视觉）"]
        if source == "本报":
            ends += [f"（本报记者 {self.name()} 本报通讯员 {self.name()}）",
                     f"（本报{self.rng.choice(CITIES['hans'])}{self.date(script)}电）"]
        end = self.rng.choice(ends)
        lines = [*([t] if (t := self.maybe_title(script)) else []), *body[:-1], body[-1] + end]
        return Labelled(lines, t, source, body, True, bool(end), "renmin")

    def portal(self, script: str) -> Labelled:
        body = self.paras(script)
        lead, source = self.rng.choice([("央视网消息（新闻联播）：", "央视网"), (f"财联社{self.date(script)}电，", "财联社"),
                                        ("人民网消息：", "人民网")])
        body[0] = lead + body[0]
        t = self.maybe_title(script)
        return Labelled([*([t] if t else []), *body], t, source, body, True, False, "portal")

    def taiwan(self, script: str) -> Labelled:
        body = self.paras("hant")
        if self.rng.random() < 0.5:
            body[0] = f"（中央社記者{self.name()}{self.rng.choice(['台北', '東京'])}{self.rng.randint(1, 28)}日電）" + body[0]
            end = self.rng.choice(["", f"（譯者：{self.name()}/核稿：{self.name()}）1150129", f"（編輯：{self.name()}）"])
            source = "中央社"
        else:
            body[0] = f"〔自由時報記者{self.name()}／台北報導〕" + body[0]
            end, source = "", "自由時報"
        lines = [*([t] if (t := self.maybe_title("hant")) else []), *body[:-1], body[-1] + end]
        return Labelled(lines, t, source, body, True, bool(end), "taiwan")

    def hongkong(self, script: str) -> Labelled:
        body = self.paras("hant")
        lead, source = self.rng.choice([("【明報專訊】", "明報"), ("【on.cc東網專訊】", "on.cc東網"), ("(星島日報報道)", "星島日報")])
        body[0] = lead + body[0]
        t = self.maybe_title("hant")
        return Labelled([*([t] if t else []), *body], t, source, body, True, False, "hongkong")

    def credit_lines(self, script: str) -> Labelled:
        title, body = self.title(script), self.paras(script)
        source: str | None = None
        tail: list[str] = []
        for _ in range(self.rng.randint(1, 3)):
            choice = self.rng.randrange(7)
            if choice == 0:
                tail.append(f"{self.rng.choice(['责任编辑', '責任編輯', '编辑', '审核', '校对'])}：{self.name()}")
            elif choice == 1:
                tail.append(f"编辑丨{self.name()}")
            elif choice == 2 and source is None:
                source = self.rng.choice(["同花顺", "界面新闻", "證券時報"])
                tail.append(f"{self.rng.choice(['来源', '文章来源', '本文来源', '转自'])}：{source}")
            elif choice == 3 and source is None:
                source, wid = self.rng.choice(WECHAT)
                tail.append(f"本文来自微信公众号：{source}（ID：{wid}），作者：{self.name()}")
            elif choice == 4:
                tail.append("免责声明：本文仅代表作者个人观点，不构成投资建议。")
            elif choice == 5:
                tail.append("本内容来源于网络，观点仅代表作者本人，与本站无关。")
            else:
                tail.append(f"（原标题：{self.title(script)}）")
        return Labelled([title, *body, *tail], title, source, body, False, True, "credit_lines")

    def byline(self, script: str) -> Labelled:
        title, body = self.title(script), self.paras(script)
        head = self.rng.choice([f"作者｜{self.name()}", f"文｜{self.name()}", f"文/{self.name()}",
                                f"原标题：《{self.title(script)}》"])
        src = self.rng.choice([None, self.rng.choice(PAREN_SOURCES)])
        lines = [title, head, *body]
        if src:
            lines[-1] += self.paren(src)
        if self.rng.random() < 0.2:  # a portal's 来源 line between title and body
            head_src = self.rng.choice(["新华社", "界面新闻", "證券時報"])
            lines[1] = f"来源：{head_src}"
            return Labelled(lines, title, src or head_src, body, False, src is not None, "source_head")
        return Labelled(lines, title, src, body, True, src is not None, "byline")

    def negative(self, script: str) -> Labelled:
        title, src = self.title(script), self.rng.choice(PAREN_SOURCES)
        body = self.paras(script, 2, 4)
        traps = ["他说(AI)正在改变一切，", "这份报告（上）显示，", "见（2025年）年报。", "文中写道“来源：界面”并不可靠。",
                 "他说，责任编辑：王某负责此事。", "据新华社北京5月4日电报道，", "（本报记者不在现场）的说法有误，"]
        for k in range(len(body)):
            if self.rng.random() < 0.7:
                trap = self.rng.choice(traps)
                body[k] = trap + body[k] if self.rng.random() < 0.5 else body[k][:-1] + "，" + trap + "。"
        lines = [title, *body[:-1], body[-1] + self.paren(src)]
        return Labelled(lines, title, src, body, False, True, "negative")

    LAYOUTS = ("seed_layout", "markdown", "xinhua", "cns", "renmin", "portal", "taiwan", "hongkong", "credit_lines",
               "byline", "negative")


def build(n_files: int, seed: int) -> list[tuple[str, list[Truth]]]:
    """Labelled files: (text, true articles in order)."""
    rng = random.Random(seed)
    b = Builder(rng, _sentences())
    files = []
    for _ in range(n_files):
        nl = "\r\n" if rng.random() < 0.1 else "\n"  # some exports keep Windows line ends
        inner = rng.choice([nl, nl, nl * 2])  # between lines of one article
        between = rng.choice([nl, nl * 2, nl * 3])
        parts: list[str] = []
        truths: list[Truth] = []
        pos = 0
        tags: tuple[str, ...] = ()
        prev_closes = True
        indent = rng.choice(["", "", "", "\u3000\u3000", "  "])
        only = rng.choice([None, None, *Builder.LAYOUTS])  # some files hold one layout, most mix them
        for k in range(rng.randint(1, 8)):
            if rng.random() < 0.15 or (k == 0 and rng.random() < 0.3):
                tags = tuple(rng.sample(["車企", "汽车", "科技", "財經", "AI"], rng.randint(1, 2)))
                line = " ".join("#" + t for t in tags)
                parts.append(line + between)
                pos += len(line + between)
                prev_closes = True  # a tag line ends the article before it
            for _ in range(50):
                layout = only or rng.choice(Builder.LAYOUTS)
                art: Labelled = getattr(b, layout)(rng.choice(["hans", "hant"]))
                if prev_closes or art.opens:
                    break
            else:
                continue
            if indent:  # print-style paragraph indents; the text keeps them after its first line
                art.lines = [ln if (k == 0 and art.title) or ln.startswith("#") else indent + ln
                             for k, ln in enumerate(art.lines)]
                art.body = [ln if ln.startswith("#") else indent + ln for ln in art.body]
                art.body[0] = art.body[0].lstrip(indent)
            chunk = inner.join(art.lines)
            text_lines = [ln for ln in art.body]
            lead = len(chunk) - len(chunk.lstrip(" \u3000"))  # an article starts at its first character
            truths.append(Truth(pos + lead, art.title, art.source, inner.join(text_lines), tags, art.kind))
            parts.append(chunk + between)
            pos += len(chunk + between)
            prev_closes = art.closes
        files.append(("".join(parts), truths))
    return files


def evaluate(files: list[tuple[str, list[Truth]]], show: int = 0) -> dict[str, float]:
    from toolkit.split import body_text, find_segments

    tp = fp = fn = 0
    titles = sources = texts = tags = total = 0
    shown = 0
    for text, truths in files:
        arts = [s for s in find_segments(text) if s.kind == "article"]
        got = {a.start: a for a in arts}
        want = {t.start for t in truths}
        tp += len(want & set(got))
        fp += len(set(got) - want)
        fn += len(want - set(got))
        for t in truths:
            total += 1
            a = got.get(t.start)
            title = text[a.title[0]:a.title[1]] if a and a.title else None
            ok_title = a is not None and title == t.title
            ok_source = a is not None and a.source == t.source
            ok_text = a is not None and body_text(text, a) == t.text
            titles += ok_title
            sources += ok_source
            texts += ok_text
            tags += a is not None and a.tags == t.tags
            if shown < show and not (ok_title and ok_source and ok_text):
                shown += 1
                print(f"--- {t.kind} at {t.start}: want title={t.title!r} source={t.source!r}")
                print(f"    got {None if a is None else (title, a.source, a.markers)}")
                print("    " + text[max(0, t.start - 60):t.start + 200].replace("\n", "⏎"))
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    return {"articles": total, "precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0,
            "title_acc": titles / total, "source_acc": sources / total, "text_acc": texts / total,
            "tags_acc": tags / total}


def speed(files: list[tuple[str, list[Truth]]], repeat: int = 3) -> float:
    from toolkit.split import find_segments, marker_table

    table = marker_table()
    texts = [t for t, _ in files]
    size = sum(len(t.encode("utf-8")) for t in texts)
    best = float("inf")
    for _ in range(repeat):
        t0 = time.process_time()  # CPU time: per-core speed, less skewed by a busy machine
        for t in texts:
            find_segments(t, table=table)
        best = min(best, time.process_time() - t0)
    return size / best / 1e6


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--files", type=int, default=400)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--show", type=int, default=0, help="print this many mistakes")
    args = ap.parse_args()
    files = build(args.files, args.seed)
    m = evaluate(files, args.show)
    size = sum(len(t.encode("utf-8")) for t, _ in files)
    print(f"labelled set: {len(files)} files, {m['articles']:.0f} articles, {size / 1e6:.2f} MB")
    print(f"boundaries: precision {m['precision']:.4f}  recall {m['recall']:.4f}  F1 {m['f1']:.4f}   (target F1 >= 0.99)")
    print(f"source accuracy {m['source_acc']:.4f} (target >= 0.99)   title accuracy {m['title_acc']:.4f} (target >= 0.98)")
    print(f"text exact {m['text_acc']:.4f}   tags exact {m['tags_acc']:.4f}")
    print(f"speed: {speed(files):.1f} MB/s on one core, labelled set (target >= 20)")
    from toolkit.split import find_segments

    seeds = "\n".join(p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt")))
    print(f"speed: {speed([(seeds * 100, [])]):.1f} MB/s on one core, the seeds repeated 100 times")

    for path in sorted(SEEDS.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        arts = [s for s in find_segments(text) if s.kind == "article"]
        print(f"seed {path.name}: {len(arts)} articles, sources {[a.source for a in arts]}")


if __name__ == "__main__":
    main()
