"""Sphinx glue for the library reference (loaded through _config.yml's local_extensions).

* A name written as the user writes it, ``deeplinear.gradient_flow`` (the package re-exports
  it), resolves to the entry where autodoc documents it, ``deeplinear.flow.gradient_flow``;
  so does a bare public name used in another module's docstring (``ToleranceStudy``), when
  exactly one module of the package makes it public.
* sphinx-codeautolink keeps a stack of section titles and pops it on leaving every section;
  sphinx-exercise makes sections without a title (the body of an exercise), which would pop
  an empty stack. Such sections push a placeholder so the stack stays balanced.
* Launch buttons appear only when they can work: with ``repository.url`` set (Colab: on GitHub).
* MathJax is loaded on every page, whether or not its body has math (the navigation may).
* For the LaTeX builder (`make pdf`, tools/build_latex.py): the MathJax macros of _config.yml
  (``mathjax3_config.tex.macros``) become ``\newcommand``s of the preamble (`latex_macros`),
  so the notation has one source; and an explorer's static HTML output becomes its default
  frame, a PNG, with a line naming the default values of its controls (`explorer_figure`);
  sphinx-exercise labels an exercise only as ``exercise:<label>``, while a reference from
  another page points at ``<page>:<label>`` (and a ``numref`` reads the number back with
  ``\ref``): each exercise also gets that label, carrying its number (`_label_exercises`);
  the bibliography Sphinx gathers at the end lists each work once (`OneBibliography`);
  proofs print as text ending in a square, and each chapter's emptied "References" section
  says where its works went (`ProofsAndReferencesForPrint`).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import html
import importlib
import inspect
import json
import pkgutil
import re
from pathlib import Path

from docutils import nodes
from sphinx.transforms.post_transforms import SphinxPostTransform


def _canonical(target: str) -> str | None:
    """'deeplinear.x' (or 'deeplinear.sub.x') -> where x is defined, if that differs."""
    module, _, name = target.rpartition(".")
    if not module.startswith("deeplinear"):
        return None
    try:
        obj = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        return None
    home = getattr(obj, "__module__", None)
    qual = getattr(obj, "__qualname__", None)
    if not home or not qual or f"{home}.{qual}" == target:
        return None
    return f"{home}.{qual}"


@functools.lru_cache(maxsize=1)
def _public_homes() -> dict[str, str]:
    """Public name -> 'home.module.name' for every name exactly one module makes public."""
    import deeplinear

    homes: dict[str, set[str]] = {}
    for info in pkgutil.walk_packages(deeplinear.__path__, prefix="deeplinear."):
        if any(part.startswith("_") for part in info.name.split(".")):
            continue
        module = importlib.import_module(info.name)
        for name in getattr(module, "__all__", []):
            obj = getattr(module, name)
            home = obj.__module__ if inspect.isfunction(obj) or inspect.isclass(obj) else info.name
            homes.setdefault(name, set()).add(f"{home}.{name}")
    return {name: next(iter(h)) for name, h in homes.items() if len(h) == 1}


def _resolve_reexport(app, env, node, contnode):
    if node.get("refdomain") != "py":
        return None
    raw = node.get("reftarget", "")
    target = _canonical(raw)
    if target is None and (raw.startswith("deeplinear.") or "." not in raw):
        target = _public_homes().get(raw.rpartition(".")[2])
        if target == raw:
            target = None
    if target is None and node.get("reftype") in ("attr", "meth") and raw.count(".") == 1:
        # Class.member: the member's entry if autodoc made one, else the class's own entry
        owner, member = raw.split(".")
        home = _public_homes().get(owner)
        if home is not None:
            found = _resolve(app, env, node, contnode, f"{home}.{member}")
            return found if found is not None else _resolve(app, env, node, contnode, home, "class")
    if target is None:
        return None
    return _resolve(app, env, node, contnode, target)


def _left_out_of_print(app, env, node, contnode):
    """In the LaTeX build, a link to a page left out of print (tools/build_latex.py) keeps its text."""
    if app.builder.name != "latex" or node.get("reftype") != "doc":
        return None
    target = (Path(env.doc2path(node["refdoc"])).parent / node["reftarget"]).resolve()
    if any(target.with_suffix(suffix).exists() for suffix in (".md", ".ipynb")):
        return contnode
    return None


def _resolve(app, env, node, contnode, target, reftype=None):
    domain = env.get_domain("py")
    node = node.deepcopy()
    node["reftarget"] = target
    return domain.resolve_xref(env, node["refdoc"], app.builder, reftype or node["reftype"], target, node, contnode)


def _balance_codeautolink_sections() -> None:
    try:
        from sphinx_codeautolink.extension.block import CodeBlockAnalyser
    except ImportError:  # the extension is not installed: nothing to fix
        return
    if getattr(CodeBlockAnalyser, "_deeplinear_balanced", False):
        return
    visit = CodeBlockAnalyser.visit_section

    def visit_section(self, node):
        visit(self, node)
        if not any(isinstance(child, nodes.title) for child in node.children[:1]):
            self.title_stack.append("")

    CodeBlockAnalyser.visit_section = visit_section
    CodeBlockAnalyser._deeplinear_balanced = True


LAUNCH_SERVICES = ("binderhub_url", "jupyterhub_url", "colab_url", "deepnote_url")


def launch_buttons(theme_options: dict) -> dict:
    """The launch buttons that can work, given the book's repository (a new dict).

    The theme builds every launch link from ``repository.url``: without it (this book until it
    is published) no service is offered, instead of links to nowhere; Colab opens notebooks
    from GitHub only. A malformed address raises setup_cells.ConfigError.
    """
    from setup_cells import repository_url

    buttons = dict(theme_options.get("launch_buttons") or {})
    repo = repository_url({"repository": {"url": theme_options.get("repository_url", "")}})
    if not repo:
        buttons.update({key: "" for key in LAUNCH_SERVICES}, thebe=False)
    elif not repo.startswith("https://github.com/"):
        buttons.update(colab_url="", deepnote_url="")
    return buttons


def _launch_buttons(app, config):
    from sphinx.errors import ConfigError

    from setup_cells import ConfigError as SettingError

    options = dict(config.html_theme_options or {})
    try:
        options["launch_buttons"] = launch_buttons(options)
    except SettingError as err:
        raise ConfigError(str(err)) from None
    config.html_theme_options = options


MACRO_NAME = re.compile(r"[A-Za-z]+")


def latex_macros(macros: dict) -> str:
    """LaTeX definitions of MathJax macros (``mathjax3_config.tex.macros``), one per line.

    A macro is ``"body"``, ``[body, nargs]`` or ``[body, nargs, default of #1]``, as MathJax
    reads them. Each is provided, then redefined, so the book's meaning wins over a package's.
    A name that is not letters only, or a malformed definition, raises ValueError.
    """
    lines = []
    for name, spec in macros.items():
        if not isinstance(name, str) or not MACRO_NAME.fullmatch(name):
            raise ValueError(f"mathjax3_config.tex.macros: the name {name!r} is not a LaTeX control word")
        if isinstance(spec, str):
            body, args = spec, ""
        elif (isinstance(spec, list) and 2 <= len(spec) <= 3 and isinstance(spec[0], str)
              and isinstance(spec[1], int) and not isinstance(spec[1], bool) and 1 <= spec[1] <= 9):
            body, args = spec[0], f"[{spec[1]}]" + (f"[{spec[2]}]" if len(spec) == 3 else "")
            used = {int(n) for n in re.findall(r"#(\d)", body)}
            if not used <= set(range(1, spec[1] + 1)):
                raise ValueError(f"mathjax3_config.tex.macros: {name} uses #{max(used)} but takes {spec[1]} arguments")
        else:
            raise ValueError(f"mathjax3_config.tex.macros: {name} = {spec!r} is not 'body', [body, n] or [body, n, default]")
        lines.append(f"\\providecommand{{\\{name}}}{{}}\\renewcommand{{\\{name}}}{args}{{{body}}}")
    return "\n".join(lines)


def _latex_preamble(app, config) -> None:
    macros = ((config.mathjax3_config or {}).get("tex") or {}).get("macros") or {}
    elements = dict(config.latex_elements or {})
    block = ("% the notation macros of _config.yml (mathjax3_config.tex.macros)\n" + latex_macros(macros)
             + "\n" + NUMBERED_LABEL)
    elements["preamble"] = (elements.get("preamble", "") + "\n" + block).strip() + "\n"
    config.latex_elements = elements


class _Explorer:
    """What a static explorer's HTML (lib/deeplinear/explore/static.py) holds for print."""

    IMG = re.compile(r"<img\b[^>]*>")
    ATTR = re.compile(r'([\w-]+)="([^"]*)"')
    CONTROL = re.compile(r'<label for="([^"]+)">(.*?)</label>')

    def __init__(self, text: str) -> None:
        self.text = text
        head = re.search(r'<div class="dl-explorer"[^>]*>', text)
        self.default = dict(self.ATTR.findall(head.group(0))).get("data-dl-default") if head else None

    def frame(self) -> tuple[bytes, str]:
        """The default frame (PNG bytes) and its alt text."""
        for tag in self.IMG.findall(self.text):
            attrs = dict(self.ATTR.findall(tag))
            if attrs.get("data-dl-key") == self.default and attrs.get("src", "").startswith("data:image/png;base64,"):
                return base64.b64decode(attrs["src"].split(",", 1)[1]), html.unescape(attrs.get("alt", ""))
        raise ValueError(f"explorer without a default PNG frame (data-dl-default={self.default!r})")

    def defaults(self) -> list[str]:
        """'label = value' of every control, at its default."""
        out = []
        for ident, label in self.CONTROL.findall(self.text):
            control = re.search(rf'<(select|input)\b[^>]*\bid="{re.escape(ident)}"[^>]*>', self.text)
            if control is None:
                continue
            attrs = dict(self.ATTR.findall(control.group(0)))
            labels = json.loads(html.unescape(attrs.get("data-dl-labels", "[]")))
            if control.group(1) == "select":
                chosen = re.search(rf'id="{re.escape(ident)}".*?<option value="(\d+)" selected', self.text, re.S)
                index = int(chosen.group(1)) if chosen else 0
            else:
                index = int(attrs.get("value", 0))
            value = labels[index] if index < len(labels) else attrs.get("value", "")
            out.append(f"{html.unescape(re.sub('<[^>]+>', '', label)).strip()} = {value}")
        return out


def explorer_figure(text: str, folder: Path) -> tuple[Path, str, list[str]]:
    """Write an explorer's default frame into ``folder``: (its file, alt text, control defaults)."""
    explorer = _Explorer(text)
    png, alt = explorer.frame()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"explorer-{hashlib.sha256(png).hexdigest()[:16]}.png"
    if not path.exists():
        path.write_bytes(png)
    return path, alt, explorer.defaults()


class ExplorerForPrint(SphinxPostTransform):
    """In the LaTeX build, an explorer's HTML output becomes its default frame and a note."""

    default_priority = 200  # after myst-nb has chosen the output's MIME type (priority 4)
    builders = ("latex",)

    def run(self, **kwargs) -> None:
        folder = Path(self.app.builder.outdir) / "explorers"
        for raw in list(self.document.findall(nodes.raw)):
            if raw.get("format") != "html" or 'class="dl-explorer"' not in raw.astext():
                continue
            path, alt, defaults = explorer_figure(raw.astext(), folder)
            rel = path.relative_to(self.app.builder.outdir).as_posix()
            image = nodes.image(uri=rel, alt=alt, candidates={"*": rel}, width="85%")
            note = nodes.paragraph(classes=["dl-print-note"])
            note += nodes.emphasis(text="Explorer, default view"
                                   + (f" ({', '.join(defaults)})" if defaults else "")
                                   + "; the web edition lets you change these.")
            raw.replace_self([note, image])


class ProofsAndReferencesForPrint(SphinxPostTransform):
    """In the LaTeX build: proofs as text ending in a square; reference lists point to the end.

    sphinx-proof gives a proof an admonition without a title, which Sphinx's LaTeX writer
    turns into a box with an empty title bar; a proof is printed as its text ("Proof. ...")
    ending in a square instead. Sphinx moves every citation to one bibliography at the end of
    the book, leaving each chapter's "References" section empty; a sentence says where they are.
    """

    default_priority = 740  # before Sphinx gathers the citations (BibliographyTransform, 750)
    builders = ("latex",)
    MOVED = "The works cited here are listed in the bibliography at the end of the book."

    def run(self, **kwargs) -> None:
        for box in list(self.document.findall(nodes.admonition)):
            if "proof" in box["classes"] and not any(isinstance(c, nodes.title) for c in box.children):
                children = list(box.children)
                if children and isinstance(children[-1], nodes.paragraph):
                    children[-1] += nodes.raw("", "\\hfill\\(\\square\\)", format="latex")
                box.replace_self(children)
        seen = set()
        for citation in list(self.document.findall(nodes.citation)):
            parent = citation.parent
            if parent is not None and id(parent) not in seen:
                seen.add(id(parent))
                parent.insert(parent.index(citation), nodes.paragraph(text=self.MOVED))


class OneBibliography(SphinxPostTransform):
    """In the LaTeX build, the bibliography at the end lists each work once, by its label.

    Sphinx gathers every page's citations into one list at the end of the book; each chapter's
    reference list repeats entries of the global one, so a work would appear once per chapter
    citing it. The first of each is kept, and the anchors of the others (which the chapters'
    citations link to) are put on it, so every citation still leads to its entry.
    """

    default_priority = 760  # after Sphinx gathers the citations (BibliographyTransform, 750)
    builders = ("latex",)

    def run(self, **kwargs) -> None:
        from sphinx.builders.latex.nodes import thebibliography

        for bibliography in list(self.document.findall(thebibliography)):
            kept: dict[tuple[str, str], nodes.citation] = {}
            for citation in list(bibliography.children):
                if not isinstance(citation, nodes.citation):
                    continue
                key = (citation[0].astext(), " ".join(" ".join(c.astext() for c in citation[1:]).split()))
                first = kept.setdefault(key, citation)
                if first is not citation:
                    anchor = f"cite.{citation['docname']}:{citation['ids'][0]}"
                    first[-1] += nodes.raw("", f"\\hypertarget{{{anchor}}}{{}}", format="latex")
                    bibliography.remove(citation)
            bibliography.children.sort(key=lambda c: c[0].astext().lower() if isinstance(c, nodes.citation) else "")


#: Preamble: \label with a given number (what \ref prints), for the exercises' labels.
NUMBERED_LABEL = r"""\makeatletter
\newcommand{\dlnumberedlabel}[2]{\begingroup\def\@currentlabel{#1}\phantomsection\label{#2}\endgroup}
\makeatother"""


def _label_exercises(app) -> None:
    """Number as the web edition does; exercises carry ``<page>:<label>`` too (LaTeX only)."""
    if app.builder.name != "latex":
        return
    # sphinx-jupyterbook-latex numbers within sections (Theorem 1.4.1); the web edition numbers
    # within chapters (Theorem 1.1), and so does the printed one
    app.config.numfig_secnum_depth = 1
    handlers = app.registry.translation_handlers.get("latex", {})
    for name in ("exercise_enumerable_node", "exercise_node"):
        if name not in handlers:
            continue
        visit, depart = handlers[name]

        def labelled(self, node, visit=visit):
            env = self.builder.env
            label = node.get("label", "")
            entry = getattr(env, "sphinx_exercise_registry", {}).get(label)
            if entry is not None:
                docname = entry["docname"]
                key = (node.get("ids") or [label])[0]
                number = env.toc_fignumbers.get(docname, {}).get("exercise", {}).get(key, ())
                target = self.idescape(f"{docname}:{label}")
                self.body.append(f"\\dlnumberedlabel{{{'.'.join(map(str, number))}}}{{{target}}}\n")
            visit(self, node)

        handlers[name] = (labelled, depart)


def _latex_numbering(app, env) -> list[str]:
    """LaTeX resets figure and equation counters per chapter, as the web edition numbers them.

    Sphinx's LaTeX writer counts the parts of sphinx-jupyterbook-latex as a level of sections,
    so with parts "per chapter" is ``numfig_secnum_depth = 2`` for the writer, while the
    numbers Sphinx assigns (the texts of references, _label_exercises) are made with 1: this
    runs after them (``env-get-updated``, after Sphinx's toctree collector), before writing.
    """
    if app.builder.name == "latex" and app.config.latex_toplevel_sectioning == "part":
        app.config.numfig_secnum_depth = 2
    return []


def setup(app):
    _balance_codeautolink_sections()
    # Titles of the reference pages hold math, and the navigation shows them on every page:
    # load MathJax on every page, not only on those with math in their body (Sphinx's default),
    # or the sidebar shows raw TeX there.
    app.set_html_assets_policy("always")
    app.connect("missing-reference", _resolve_reexport)
    app.connect("missing-reference", _left_out_of_print)
    app.connect("config-inited", _launch_buttons)
    app.connect("config-inited", _latex_preamble)
    app.add_post_transform(ExplorerForPrint)
    app.add_post_transform(OneBibliography)
    app.add_post_transform(ProofsAndReferencesForPrint)
    app.connect("builder-inited", _label_exercises, priority=900)  # after sphinx-jupyterbook-latex
    app.connect("env-get-updated", _latex_numbering, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
