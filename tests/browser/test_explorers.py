"""The static form of every explorer in the built book, driven in a real browser.

For each page with an explorer (``.dl-explorer``, written by ``deeplinear.explore`` when the
book is built with ``DEEPLINEAR_BUILD=1``): the default figure shows on load and is the first
frame; every control has a label and shows its value; moving each control, with the mouse or
the keyboard, shows the frame precomputed for the new values; the play button runs and
pauses time; and nothing is requested outside the site and nothing logs a console error.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from .conftest import SITE, book_pages

pytestmark = pytest.mark.browser

# Elements, matched whatever the order of their attributes (sphinx-codeautolink rewrites each
# page through BeautifulSoup, which sorts them), and not the text 'class="dl-explorer"' that a
# docstring example shows on the library's reference page.
MARKER = re.compile(r'<div [^>]*class="dl-explorer"')
SNAPSHOT = re.compile(r'<div [^>]*class="dl-explorer-snapshot"')
PLAYER = re.compile(r"<button [^>]*data-dl-play")


def _pages_with(marker: re.Pattern) -> list[str]:
    if not (SITE / "index.html").exists():
        return []
    return [p for p in book_pages(SITE) if marker.search((SITE / p).read_text(encoding="utf-8"))]


EXPLORER_PAGES = _pages_with(MARKER) or ["<no page with an explorer>"]
# Pages with a time explorer (a play button); the book has at least one.
PLAYER_PAGES = _pages_with(PLAYER) or ["<no page with a time explorer>"]

STATE_JS = """root => {
  const visible = [...root.querySelectorAll('figure img')].filter(i => !i.hidden);
  const controls = [...root.querySelectorAll('[data-dl-param]')].map(el => ({
    id: el.id, tag: el.tagName, type: el.type || '',
    index: el.tagName === 'SELECT' ? el.selectedIndex : parseInt(el.value, 10),
    size: el.tagName === 'SELECT' ? el.options.length : parseInt(el.max, 10) + 1,
    labels: JSON.parse(el.getAttribute('data-dl-labels')),
    label: (root.querySelector('label[for="' + el.id + '"]') || {}).textContent || '',
    output: el.tagName === 'SELECT' ? el.options[el.selectedIndex].text
      : (root.querySelector('output[for="' + el.id + '"]') || {}).textContent || '',
    valuetext: el.getAttribute('aria-valuetext'),
  }));
  return {
    visibleKeys: visible.map(i => i.dataset.dlKey),
    src: visible.length ? visible[0].src : null,
    alt: visible.length ? visible[0].alt : null,
    decoded: visible.length ? visible[0].complete && visible[0].naturalWidth > 0 : false,
    firstKey: root.querySelector('figure img').dataset.dlKey,
    defaultKey: root.dataset.dlDefault,
    nFrames: root.querySelectorAll('figure img').length,
    declared: parseInt(root.dataset.dlFrames, 10),
    controls,
  };
}"""

SRC_OF_KEY_JS = """(root, key) => {
  const img = root.querySelector('figure img[data-dl-key="' + key + '"]');
  return img ? img.src : null;
}"""


def _open(page_factory, site_url: str, page_path: str):
    if page_path.startswith("<"):
        pytest.fail("no page of the built book has an explorer (.dl-explorer); every chapter needs one "
                    "(chapter-standard.md, item 6) and the book must be built with DEEPLINEAR_BUILD=1")
    page = page_factory()
    page.goto(site_url + page_path)
    page.wait_for_load_state("load")
    roots = page.locator(".dl-explorer")
    assert roots.count() > 0, f"{page_path}: no .dl-explorer element"
    return page, roots


def _state(root) -> dict:
    return root.evaluate(STATE_JS)


def _key(state: dict) -> str:
    return ",".join(str(c["index"]) for c in state["controls"])


def _assert_clean(page, page_path: str) -> None:
    assert page.external_requests == [], f"{page_path}: requests outside the site: {page.external_requests}"
    assert page.console_errors == [], f"{page_path}: console errors: {page.console_errors}"


def _set_control(root, control: dict, index: int) -> None:
    element = root.locator(f"#{control['id']}")
    if control["tag"] == "SELECT":
        element.select_option(index=index)
    else:
        element.fill(str(index))  # Playwright sets a range input's value and fires input/change


def test_book_was_built_with_static_explorers(site_dir: Path) -> None:
    """A build without DEEPLINEAR_BUILD=1 leaves snapshots, which do not respond."""
    snapshots = _pages_with(SNAPSHOT)
    assert snapshots == [], (
        f"explorer snapshots (live form without a kernel) on {snapshots}: build the book with "
        f"DEEPLINEAR_BUILD=1 exported to the kernels (make book)"
    )


@pytest.mark.parametrize("page_path", EXPLORER_PAGES)
def test_default_frame_labels_and_values_on_load(page_factory, site_url, page_path) -> None:
    page, roots = _open(page_factory, site_url, page_path)
    for n in range(roots.count()):
        state = _state(roots.nth(n))
        where = f"{page_path} explorer {n}"
        assert state["nFrames"] == state["declared"] > 0, where
        assert state["visibleKeys"] == [state["defaultKey"]], f"{where}: exactly the default frame shows on load"
        assert state["firstKey"] == state["defaultKey"], f"{where}: the default frame comes first"
        assert _key(state) == state["defaultKey"], f"{where}: controls start at the default values"
        assert state["decoded"], f"{where}: the default image did not load"
        assert state["alt"] and len(state["alt"]) > 10, f"{where}: the figure has no alt text"
        for c in state["controls"]:
            assert c["label"].strip(), f"{where}: control {c['id']} has no label"
            assert c["output"] == c["labels"][c["index"]], f"{where}: control {c['label']} shows {c['output']!r}"
            if c["type"] == "range":
                assert c["valuetext"] == c["labels"][c["index"]], f"{where}: aria-valuetext of {c['label']}"
    _assert_clean(page, page_path)


@pytest.mark.parametrize("page_path", EXPLORER_PAGES)
def test_every_control_shows_the_precomputed_frame(page_factory, site_url, page_path) -> None:
    page, roots = _open(page_factory, site_url, page_path)
    for n in range(roots.count()):
        root = roots.nth(n)
        where = f"{page_path} explorer {n}"
        state = _state(root)
        for i, control in enumerate(state["controls"]):
            indices = list(range(control["size"]))
            indices = [k for k in indices if k != control["index"]] + [control["index"]]  # end at start
            for k in indices:
                before = _state(root)
                _set_control(root, control, k)
                after = _state(root)
                key = _key(after)
                assert after["controls"][i]["index"] == k
                assert after["visibleKeys"] == [key], f"{where}: {control['label']}={k} shows {after['visibleKeys']}"
                expected_src = root.evaluate(SRC_OF_KEY_JS, key)
                assert after["src"] == expected_src, f"{where}: wrong image for {key}"
                if key != _key(before):
                    assert after["src"] != before["src"], f"{where}: image unchanged when {control['label']} moved"
                    assert after["alt"] != before["alt"], f"{where}: alt text unchanged for new values {key}"
                label = control["labels"][k]
                assert label in after["alt"], f"{where}: alt text {after['alt']!r} lacks {control['label']}={label}"
                assert after["controls"][i]["output"] == label, f"{where}: {control['label']} shows the wrong value"
    _assert_clean(page, page_path)


@pytest.mark.parametrize("page_path", EXPLORER_PAGES)
def test_keyboard_moves_every_control(page_factory, site_url, page_path) -> None:
    page, roots = _open(page_factory, site_url, page_path)
    url = page.url
    for n in range(roots.count()):
        root = roots.nth(n)
        for i, control in enumerate(_state(root)["controls"]):
            start = _state(root)["controls"][i]["index"]
            forward = start < control["size"] - 1
            keyname = ("ArrowRight" if control["tag"] != "SELECT" else "ArrowDown") if forward else (
                "ArrowLeft" if control["tag"] != "SELECT" else "ArrowUp")
            root.locator(f"#{control['id']}").focus()
            page.keyboard.press(keyname)
            after = _state(root)
            moved = after["controls"][i]["index"]
            assert moved == start + (1 if forward else -1), f"{page_path}: {keyname} on {control['label']}"
            assert after["visibleKeys"] == [_key(after)]
    assert page.url == url, "arrow keys navigated away from the page"
    _assert_clean(page, page_path)


@pytest.mark.parametrize("page_path", PLAYER_PAGES)
def test_play_and_pause_run_through_time(page_factory, site_url, page_path) -> None:
    page, roots = _open(page_factory, site_url, page_path)
    players = 0
    for n in range(roots.count()):
        root = roots.nth(n)
        buttons = root.locator("button[data-dl-play]")
        for b in range(buttons.count()):
            players += 1
            button = buttons.nth(b)
            slider = root.locator("#" + button.get_attribute("aria-controls"))
            assert root.locator(f"label[for=\"{slider.get_attribute('id')}\"]").count() == 1
            last = int(slider.get_attribute("max"))
            interval = int(button.get_attribute("data-dl-interval"))
            slider.fill("0")
            src0 = _state(root)["src"]
            button.click()
            assert button.get_attribute("aria-label") == "Pause"
            if last < 3 or button.get_attribute("data-dl-loop") == "0" and last * interval < 300:
                # too short to pause reliably: it must run to the end and stop by itself
                page.wait_for_function("b => b.getAttribute('aria-label') === 'Play'",
                                       arg=button.element_handle(), timeout=10_000)
                assert int(slider.input_value()) == last
            else:
                page.wait_for_function("el => parseInt(el.value, 10) >= 1", arg=slider.element_handle(),
                                       timeout=10_000)
                button.click()
                assert button.get_attribute("aria-label") == "Play"
                paused_at = slider.input_value()
                page.wait_for_timeout(3 * interval)
                assert slider.input_value() == paused_at, "time kept running after pause"
            state = _state(root)
            assert state["src"] != src0 and state["visibleKeys"] == [_key(state)]
    assert players > 0, f"{page_path}: a play button in the HTML but none in an explorer"
    _assert_clean(page, page_path)
