"""sacreBLEU's own numbers for fixed texts, for tests/test_bleu.c.

Runs sacreBLEU 2.x (Post, WMT 2018) itself, so common/bleu.c is checked
against the reference implementation rather than against our reading of it:
corpus and sentence BLEU under every tokenizer, smoothing, casing and n-gram
order, with one or two reference streams (a missing reference is None), and
the tokenized text of lines chosen for the tokenizers' corners (HTML entities,
numbers, Unicode punctuation and symbols, Unicode whitespace, Greek final
sigma, Turkish dotted I).

sacreBLEU is not packaged by Debian. The script imports an installed one, or
one from a source checkout named by SACREBLEU_SRC (the folder holding the
sacrebleu/ package); the checkout's optional modules for datasets and tables
(tabulate, portalocker, colorama, lxml), which BLEU does not use, are stood in
for when absent. Without either it says so and keeps the committed fixture.

chrF and chrF++ (sacreBLEU's CHRF) are scored on the same texts.

Writes tests/fixtures/bleu_sacrebleu.json:
    {"version": ..., "scores": [case...], "chrf": [case...], "tokens": [case...]}

    SACREBLEU_SRC=/path/to/sacrebleu-checkout /usr/bin/python3 tests/ref/ref_bleu.py
"""
import importlib.util
import json
import logging
import os
import sys
import types

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "fixtures", "bleu_sacrebleu.json")


def import_sacrebleu():
    src = os.environ.get("SACREBLEU_SRC")
    if src:
        sys.path.insert(0, src)
        for name in ("tabulate", "portalocker", "colorama", "lxml"):
            if importlib.util.find_spec(name) is None:
                stub = types.ModuleType(name)
                stub.tabulate = lambda *a, **k: ""
                stub.Fore = stub.Style = types.SimpleNamespace()
                stub.init = lambda *a, **k: None
                sys.modules[name] = stub
                if name == "lxml":
                    sys.modules["lxml.etree"] = stub.etree = types.ModuleType("lxml.etree")
        # version.py is written by the package build; a checkout names its version in git
        if not os.path.exists(os.path.join(src, "sacrebleu", "version.py")):
            version = os.environ.get("SACREBLEU_VERSION", "source checkout")
            sys.modules["sacrebleu.version"] = types.SimpleNamespace(__version__=version)
    try:
        import sacrebleu
        return sacrebleu
    except ImportError as e:
        print(f"ref_bleu.py: sacreBLEU not importable ({e}); set SACREBLEU_SRC to a source "
              f"checkout. Keeping {os.path.relpath(OUT)}.")
        sys.exit(0)


sacrebleu = import_sacrebleu()
logging.getLogger("sacrebleu").setLevel(logging.ERROR)   # its advice on effective order
from sacrebleu.metrics import BLEU, CHRF  # noqa: E402

README_HYPS = ["The dog bit the man.", "It wasn't surprising.", "The man had just bitten him."]
README_REFS = [
    ["The dog bit the man.", "It was not unexpected.", "The man bit him first."],
    ["The dog had bit the man.", "No one was surprised.", "The man had bitten the dog."],
]
# sacreBLEU's README: a variable number of references (None where a stream has
# none; an empty reference is kept, with length 0)
VAR_REFS = [
    [None, "It was not unexpected.", "The man bit him first."],
    ["The dog had bit the man.", "No one was surprised.", "The man had bitten the dog."],
]
EMPTY_REFS = [
    ["", "It was not unexpected.", "The man bit him first."],
    ["The dog had bit the man.", "No one was surprised.", ""],
]
RO_SYS = "Producția de zahăr primă va fi exprimată în ceea ce privește zahărul alb;"
RO_REF = "producţia de zahăr brut se exprimă în zahăr alb;"

# Multilingual corpus: Greek, Russian, German, French, numbers, symbols.
MULTI_HYPS = [
    "ΟΔΟΣ ΣΤΟ ΣΠΙΤΙ, Ο ΚΟΣΜΟΣ.",
    "Привет, мир! Как дела?",
    "Der Preis beträgt 1.234,56 € (inkl. MwSt.).",
    "« Bonjour » — dit-il, l’air ravi…",
    "In 2018. the rate was 3.5% & rising; see <http://x.org/a-b>.",
    "",
]
MULTI_REFS = [[
    "Ο δρόμος στο σπίτι, ο κόσμος.",
    "Привет, мир! Как у тебя дела?",
    "Der Preis betrug 1.234,56 € (inkl. MwSt.)",
    "« Bonjour », dit-il, l’air ravi...",
    "In 2018, the rate was 3.5 % and rising; see <http://x.org/a-b>.",
    "nothing here",
]]

TOKEN_LINES = [
    "Hello, world! It's 3.5 &quot;quoted&quot; 1-2 a-b.",
    "&amp;quot; &lt;tag&gt; AT&amp;T <skipped> x",
    "line one-\nline two\nthree",
    "1,000.50 dollars, 7. and .5 and 3-",
    "a..b,,c .,. 2.5.6 x.y",
    "{braces} [brackets] `tick` ~tilde~ ^caret_ @at #hash $5 %p *star +plus =eq |bar \\back/",
    "In 2018. See 2018.",
    "« Bonjour » — dit-il, l’air ravi… ¿Qué? ¡Sí!",
    "Price: 1.234,56 € or $3.50 ≥ 2 ± 1 © ™ ½ ²",
    "日本語の文章、句読点。「引用」",
    "tabs\tand\u3000ideographic\u00a0nbsp\u2009thin  spaces \u2028sep\x1cfs",
    "trailing spaces and a tab \t \u3000",
    "ΟΔΟΣ ΣΤΟ ΣΠΙΤΙ, Ο ΚΟΣΜΟΣ. Σ ΑΣ",
    "ПРИВЕТ, МИР! Ёлка İstanbul ǅemal ΆΈΉ",
    "emoji 😀👍🏽 and math 𝐀𝐁 x²",
    "",
    "   ",
]


def score_case(name, kind, kwargs, hyps, refs):
    metric = BLEU(**kwargs)
    if kind == "sentence":
        s = metric.sentence_score(hyps[0], [r[0] for r in refs])
    else:
        s = metric.corpus_score(hyps, refs)
    return {
        "name": name, "kind": kind,
        "tokenize": kwargs.get("tokenize", "13a"),
        "smooth": kwargs.get("smooth_method", "exp"),
        "smooth_value": kwargs.get("smooth_value"),
        "lowercase": kwargs.get("lowercase", False),
        "effective_order": kwargs.get("effective_order", False),
        "max_order": kwargs.get("max_ngram_order", 4),
        "hyps": hyps, "refs": refs,
        "score": s.score, "counts": [float(c) for c in s.counts],
        "totals": [float(t) for t in s.totals], "precisions": s.precisions,
        "bp": s.bp, "ratio": s.ratio, "sys_len": s.sys_len, "ref_len": s.ref_len,
        "line": str(s),
    }


def main():
    scores = []
    for tok in ("13a", "intl", "char", "none"):
        for lc in (False, True):
            scores.append(score_case(f"readme_{tok}_lc{int(lc)}", "corpus",
                                     {"tokenize": tok, "lowercase": lc}, README_HYPS, README_REFS))
            scores.append(score_case(f"multi_{tok}_lc{int(lc)}", "corpus",
                                     {"tokenize": tok, "lowercase": lc}, MULTI_HYPS, MULTI_REFS))
    scores.append(score_case("readme_varrefs", "corpus", {}, README_HYPS, VAR_REFS))
    scores.append(score_case("readme_emptyrefs", "corpus", {}, README_HYPS, EMPTY_REFS))
    for order in range(1, 7):
        scores.append(score_case(f"readme_order{order}", "corpus", {"max_ngram_order": order},
                                 README_HYPS, README_REFS))
    smooths = [("exp", None), ("none", None), ("floor", None), ("floor", 0.5), ("floor", 0.0),
               ("add-k", None), ("add-k", 2)]
    for method, value in smooths:
        for eff in (False, True):
            kw = {"smooth_method": method, "smooth_value": value, "effective_order": eff}
            tag = f"{method}_{value}_eff{int(eff)}"
            scores.append(score_case(f"readme_{tag}", "corpus", kw, README_HYPS, README_REFS))
            scores.append(score_case(f"ro_{tag}", "sentence", kw, [RO_SYS], [[RO_REF]]))
            scores.append(score_case(f"short_{tag}", "sentence", kw, ["a little test"], [["a test"]]))
            scores.append(score_case(f"nomatch_{tag}", "sentence", kw, ["this is a cat"], [["okay thanks"]]))
            scores.append(score_case(f"empty_{tag}", "sentence", kw, [""], [["a test"]]))
            scores.append(score_case(f"multi_{tag}", "corpus", kw, MULTI_HYPS, MULTI_REFS))

    chrf = []
    chrf_configs = [{}, {"word_order": 2}, {"lowercase": True}, {"whitespace": True},
                    {"eps_smoothing": True}, {"beta": 3, "char_order": 4, "word_order": 1},
                    {"beta": 1, "lowercase": True, "word_order": 2, "eps_smoothing": True}]
    for kw in chrf_configs:
        for name, hyps, refs in (("readme", README_HYPS, README_REFS),
                                 ("varrefs", README_HYPS, VAR_REFS),
                                 ("multi", MULTI_HYPS, MULTI_REFS)):
            c = {"char_order": 6, "word_order": 0, "beta": 2, "lowercase": False,
                 "whitespace": False, "eps_smoothing": False}
            c.update(kw)
            c.update({"name": name, "kind": "corpus", "hyps": hyps, "refs": refs,
                      "score": CHRF(**kw).corpus_score(hyps, refs).score})
            chrf.append(c)
        c = dict(c)
        c.update({"name": "ro", "kind": "sentence", "hyps": [RO_SYS], "refs": [[RO_REF]],
                  "score": CHRF(**kw).sentence_score(RO_SYS, [RO_REF]).score})
        chrf.append(c)

    tokens = []
    for tok in ("13a", "intl", "char", "none"):
        for lc in (False, True):
            metric = BLEU(tokenize=tok, lowercase=lc)
            for line in TOKEN_LINES:
                tokens.append({"tokenize": tok, "lowercase": lc, "text": line,
                               "out": " ".join(metric._preprocess_segment(line).split())})

    with open(OUT, "w", encoding="utf-8") as f:
        # one case a line, so that a regenerated fixture diffs case by case
        def lines(cases):
            return ",\n".join(json.dumps(c, ensure_ascii=False) for c in cases)
        f.write(f'{{"version": {json.dumps(sacrebleu.__version__)},\n"scores": [\n{lines(scores)}\n],\n'
                f'"chrf": [\n{lines(chrf)}\n],\n"tokens": [\n{lines(tokens)}\n]}}\n')
    print(f"wrote {os.path.relpath(OUT)}: {len(scores)} scores, {len(chrf)} chrF scores, "
          f"{len(tokens)} tokenizations "
          f"(sacreBLEU {sacrebleu.__version__})")


if __name__ == "__main__":
    main()
