"""The back matter (notation, glossary, instructors' notes) points only at things that exist:
chapters, labelled statements, exercises, glossary terms and notation macros."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from .test_book_layout import toc_files

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = ROOT / "chapters"
PAGES = ["notation", "glossary", "instructors"]


def page(name: str) -> str:
    return (CHAPTERS / f"{name}.md").read_text(encoding="utf-8")


def notebook_markdown(path: Path) -> str:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return "\n\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")


def chapter_texts() -> dict[str, str]:
    """The markdown of every chapter: the markdown cells of the notebooks and the .md pages."""
    texts = {p.stem: notebook_markdown(p) for p in sorted(CHAPTERS.glob("*.ipynb"))}
    texts.update({p.stem: p.read_text(encoding="utf-8") for p in sorted(CHAPTERS.glob("*.md"))})
    return texts


def role_targets(role: str, text: str) -> list[str]:
    """Targets of a MyST role, for both `target` and `text <target>`."""
    found = []
    for content in re.findall(r"\{" + re.escape(role) + r"\}`([^`]*)`", text):
        m = re.fullmatch(r"(?s).*<([^<>]+)>\s*", content)
        found.append((m.group(1) if m else content).strip())
    return found


def labels(kind: str) -> set[str]:
    """Labels of the `:::{<kind>...}` directives of all notebooks (kind 'exercise' or 'prf:')."""
    found = set()
    for path in CHAPTERS.glob("*.ipynb"):
        text = notebook_markdown(path)
        found |= set(re.findall(r"^:::\{" + re.escape(kind) + r"[^}]*\}.*\n(?::\w+:.*\n)*:label: (\S+)", text, re.M))
    return found


def glossary_entries() -> list[tuple[list[str], str]]:
    """The entries of the glossary directive: (term lines, definition)."""
    block = re.search(r"^```\{glossary\}[^\n]*\n(.*?)^```\s*$", page("glossary"), re.M | re.S)
    assert block, "glossary.md holds a ```{glossary} directive"
    entries: list[tuple[list[str], str]] = []
    terms: list[str] = []
    definition: list[str] = []
    for line in block.group(1).splitlines():
        if not line.strip():
            continue
        if line.startswith((" ", "\t")):
            assert terms, f"definition line before any term: {line!r}"
            definition.append(line.strip())
        else:
            if definition:
                entries.append((terms, " ".join(definition)))
                terms, definition = [], []
            terms.append(line.strip())
    if terms:
        entries.append((terms, " ".join(definition)))
    return entries


def chapter_slugs() -> list[str]:
    """The chapters of the book: notebooks listed in _toc.yml, and notebooks on disk."""
    listed = {Path(f).name for f in toc_files() if f.startswith("chapters/") and (ROOT / f).with_suffix(".ipynb").exists()}
    return sorted(listed | {p.stem for p in CHAPTERS.glob("*.ipynb")})


def math_of(text: str) -> list[str]:
    """The TeX inside $$...$$ and $...$ of a markdown text (code spans and blocks removed)."""
    text = re.sub(r"^```.*?^```", "", text, flags=re.M | re.S)
    text = re.sub(r"`[^`\n]*`", "", text)
    display = re.findall(r"\$\$(.*?)\$\$", text, re.S)
    text = re.sub(r"\$\$.*?\$\$", "", text, flags=re.S)
    return display + re.findall(r"\$([^$\n]+)\$", text)


def config_macros() -> set[str]:
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    return set(config["sphinx"]["config"]["mathjax3_config"]["tex"]["macros"])


# Standard TeX/MathJax commands the back matter uses; anything else must be a book macro.
STANDARD_TEX = {
    "alpha", "ast", "begin", "beta", "nu", "bmatrix", "cdot", "cdots", "delta", "dot", "dots", "end", "epsilon",
    "eta", "frac", "ge", "in", "infty", "lambda", "ldots", "le", "leftarrow", "ln", "lvert",
    "mapsto", "mathcal", "mathrm", "max", "min", "nabla", "notin", "operatorname", "pi", "pm", "prod",
    "psi", "qquad", "quad", "rvert", "sigma", "star", "subseteq", "sum", "theta", "tilde", "times",
    "tau", "tfrac", "to", "top", "varepsilon", "varphi", "varsigma", "ell", "Sigma", "#",
    "Omega", "Lambda", "exp", "gamma", "int", "kappa", "odot",
}


@pytest.mark.parametrize("name", PAGES)
def test_doc_links_point_to_existing_pages(name):
    targets = role_targets("doc", page(name))
    assert targets, f"{name}.md links to no chapter"
    missing = [t for t in targets
               if not any((CHAPTERS / t).with_suffix(ext).exists() for ext in (".ipynb", ".md"))]
    assert missing == [], f"{name}.md links to pages that do not exist: {sorted(set(missing))}"


@pytest.mark.parametrize("name", PAGES)
def test_statement_references_exist(name):
    known = labels("prf:")
    unknown = sorted(set(role_targets("prf:ref", page(name))) - known)
    assert unknown == [], f"{name}.md refers to statements no chapter defines: {unknown}"


def test_glossary_has_25_to_50_defined_terms_linked_to_chapters():
    # 40 for the survey's fifteen chapters; Part IV adds up to ten
    entries = glossary_entries()
    assert 25 <= len(entries) <= 50, f"{len(entries)} glossary entries"
    all_terms = [t.lower() for terms, _ in entries for t in terms]
    assert len(all_terms) == len(set(all_terms)), "a glossary term is defined twice"
    for terms, definition in entries:
        assert definition, f"{terms} has no definition"
        assert role_targets("doc", definition), f"{terms}: the definition links to no chapter"
        sentences = re.findall(r"[.!?](?:\)|\s|$)", re.sub(r"\$[^$]*\$", "x", definition))
        assert 1 <= len(sentences) <= 3, f"{terms}: {len(sentences)} sentences, not 1 to 3"


def test_every_term_used_in_a_chapter_is_in_the_glossary():
    defined = {t.lower() for terms, _ in glossary_entries() for t in terms}
    used = {slug: set(role_targets("term", text)) for slug, text in chapter_texts().items()}
    assert any(used.values()), "no chapter links to the glossary"
    undefined = {slug: sorted(t for t in terms if t.lower() not in defined)
                 for slug, terms in used.items()}
    assert {s: t for s, t in undefined.items() if t} == {}, "terms missing from the glossary"


def test_each_term_is_linked_at_most_once_per_chapter():
    entry_of = {t.lower(): i for i, (terms, _) in enumerate(glossary_entries()) for t in terms}
    for slug, text in chapter_texts().items():
        if slug in PAGES:
            continue
        linked = [entry_of.get(t.lower()) for t in role_targets("term", text)]
        repeated = {t for t in role_targets("term", text) if linked.count(entry_of.get(t.lower())) > 1}
        assert not repeated, f"{slug}: glossary terms linked more than once: {sorted(repeated)}"


def exercise_titles() -> dict[str, str]:
    """Label -> title (without the $ of inline math) of every exercise of the notebooks."""
    titles = {}
    for path in CHAPTERS.glob("*.ipynb"):
        for title, label in re.findall(r"^:::\{exercise\}(.*)\n(?::\w+:.*\n)*:label: (\S+)",
                                       notebook_markdown(path), re.M):
            titles[label] = title.strip().replace("$", "")
    return titles


def test_exercises_in_the_instructors_notes_exist_under_their_titles():
    text = page("instructors")
    listed = [t for t in role_targets("ref", text) + role_targets("prf:ref", text) if t.startswith("ex-")]
    assert listed, "the instructors' notes name no exercise"
    titles = exercise_titles()
    missing = sorted(set(listed) - set(titles))
    assert missing == [], f"instructors.md lists exercises that no chapter defines: {missing}"
    for shown, label in re.findall(r"\{ref\}`([^`<]+?)\s*<(ex-[^`>]+)>`", text):
        assert " ".join(shown.split()) == titles[label], f"{label} is called {titles[label]!r}, not {shown!r}"
    sessions = text.split("**Project seeds.**")[0]
    assigned = [t for t in role_targets("ref", sessions) if t.startswith("ex-")]
    repeated = sorted({x for x in assigned if assigned.count(x) > 1})
    assert repeated == [], f"exercises assigned to more than one kind of session: {repeated}"


@pytest.mark.parametrize("plan", ["A 12-week", "A compressed 6-week"])
def test_every_chapter_is_in_the_course_plans(plan):
    text = page("instructors")
    section = re.search(r"^## " + re.escape(plan) + r".*?(?=^## |\Z)", text, re.M | re.S)
    assert section, f"instructors.md has no section '{plan} ...'"
    named = set(role_targets("doc", section.group(0)))
    missing = [slug for slug in chapter_slugs() if slug not in named]
    assert missing == [], f"chapters missing from the plan '{plan}': {missing}"


@pytest.mark.parametrize("name", PAGES)
def test_math_uses_only_defined_macros(name):
    macros = config_macros()
    used = {cmd for tex in math_of(page(name)) for cmd in re.findall(r"\\([A-Za-z]+|.)", tex)}
    unknown = sorted(c for c in used if c.isalpha() and c not in macros | STANDARD_TEX)
    assert unknown == [], f"{name}.md uses TeX commands that _config.yml does not define: {unknown}"


def test_notation_uses_the_book_macros_and_lists_them_all():
    text = page("notation")
    used = {cmd for tex in math_of(text) for cmd in re.findall(r"\\([A-Za-z]+)", tex)}
    macros = config_macros()
    assert {"Sig", "dmin", "nv", "Wp", "blk", "fro", "Lgrad", "Hess"} <= used, "notation.md typesets with the book's macros"
    listed = set(re.findall(r"`\\([A-Za-z]+)[^`]*`", text))
    assert listed - macros == set(), f"the macro table lists undefined macros: {sorted(listed - macros)}"
    assert macros - listed == set(), f"the macro table misses macros of _config.yml: {sorted(macros - listed)}"


def test_the_bibliography_parses_and_every_key_is_unique():
    # a missing brace or a key added twice by two writers fails here, before a 5-minute build
    import pybtex.database

    text = (ROOT / "references.bib").read_text()
    keys = re.findall(r"^@\w+\{([^,\s]+),", text, re.M)
    assert len(keys) == len(set(keys)), sorted(k for k in set(keys) if keys.count(k) > 1)
    entries = pybtex.database.parse_string(text, "bibtex").entries
    assert set(entries) == set(keys)
