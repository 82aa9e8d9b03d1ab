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
"""

from __future__ import annotations

import functools
import importlib
import inspect
import pkgutil

from docutils import nodes


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


def setup(app):
    _balance_codeautolink_sections()
    # Titles of the reference pages hold math, and the navigation shows them on every page:
    # load MathJax on every page, not only on those with math in their body (Sphinx's default),
    # or the sidebar shows raw TeX there.
    app.set_html_assets_policy("always")
    app.connect("missing-reference", _resolve_reexport)
    app.connect("config-inited", _launch_buttons)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
