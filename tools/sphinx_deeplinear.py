"""Sphinx glue for the library reference (loaded through _config.yml's local_extensions).

* A name written as the user writes it, ``deeplinear.gradient_flow`` (the package re-exports
  it), resolves to the entry where autodoc documents it, ``deeplinear.flow.gradient_flow``.
* sphinx-codeautolink keeps a stack of section titles and pops it on leaving every section;
  sphinx-exercise makes sections without a title (the body of an exercise), which would pop
  an empty stack. Such sections push a placeholder so the stack stays balanced.
"""

from __future__ import annotations

import importlib

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


def _resolve_reexport(app, env, node, contnode):
    if node.get("refdomain") != "py":
        return None
    target = _canonical(node.get("reftarget", ""))
    if target is None:
        return None
    domain = env.get_domain("py")
    node = node.deepcopy()
    node["reftarget"] = target
    return domain.resolve_xref(env, node["refdoc"], app.builder, node["reftype"], target, node, contnode)


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


def setup(app):
    _balance_codeautolink_sections()
    app.connect("missing-reference", _resolve_reexport)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
