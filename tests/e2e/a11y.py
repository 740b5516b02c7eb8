"""Accessibility checks of the screen on show: axe-core (bundled by ``axe-playwright-python``) and
Fleming's own rule that every input has a visible label.

``STREAMLIT_OWNED`` is the one list of axe findings the app cannot fix: each entry is an axe rule
and the exact CSS selector the offending node must match, with the reason. docs/accessibility.md
explains them; anything else of impact serious or critical fails the test.
"""

from __future__ import annotations

from dataclasses import dataclass

from axe_playwright_python.sync_playwright import Axe

BLOCKING = ("serious", "critical")


@dataclass(frozen=True)
class Exclusion:
    rule: str
    selector: str  # the node axe reports must match this selector exactly (Element.matches)
    reason: str


STREAMLIT_OWNED: tuple[Exclusion, ...] = (
    Exclusion(
        "aria-dialog-name",
        'div.stToast[role="alertdialog"]',
        "st.toast (Streamlit 1.67) renders an alertdialog whose aria-labelledby names an element "
        "id that is not in the page, so the dialog has no accessible name. The toast's text is "
        "still read (it is the dialog's content) and it closes by itself after a few seconds.",
    ),
    Exclusion(
        "list",
        'ul[data-testid="stSidebarNavItems"]',
        "Streamlit's sidebar navigation with sections (st.navigation given a dict) puts each "
        "section as a <div> (header + items) directly inside the <ul>. The markup is Streamlit's "
        "(1.67); the app only passes the pages. Links stay reachable and named for screen readers.",
    ),
    Exclusion(
        "listitem",
        'ul[data-testid="stSidebarNavItems"] > div > li',
        "The same navigation: each page's <li> sits in its section's <div>, not directly in the "
        "<ul>.",
    ),
)

# Streamlit's input widgets, by the data-testid of their root; the label must be visible text.
_LABELLED_WIDGETS = [
    "stTextInput",
    "stTextArea",
    "stNumberInput",
    "stDateInput",
    "stTimeInput",
    "stSelectbox",
    "stMultiSelect",
    "stRadio",
    "stSlider",
    "stSelectSlider",
    "stFileUploader",
    "stCheckbox",
    "stColorPicker",
    "stButtonGroup",
    "stChatInput",
]

_UNLABELLED_JS = """
(testids) => {
  const shown = (el) => el.checkVisibility({visibilityProperty: true, opacityProperty: true})
    && el.getBoundingClientRect().width > 0 && el.getBoundingClientRect().height > 0;
  const out = [];
  for (const id of testids) {
    for (const root of document.querySelectorAll(`[data-testid="${id}"]`)) {
      if (!shown(root)) continue;  // e.g. in a tab that is not open
      const label = id === 'stCheckbox' ? root.querySelector('label')
        : root.querySelector('[data-testid="stWidgetLabel"]');
      const text = label && shown(label) ? label.innerText.trim() : '';
      if (!text) {
        const input = root.querySelector('input, textarea, [role=combobox], [role=slider]');
        const name = (input && input.getAttribute('aria-label')) || root.innerText.slice(0, 60);
        out.push(`${id}: ${name}`);
      }
    }
  }
  return out;
}
"""

_EXCLUDED_JS = """
([target, selector]) => {
  const node = document.querySelector(target);
  return !!node && node.matches(selector);
}
"""

_axe = Axe()


def axe_violations(page) -> list[str]:
    """Serious and critical axe violations on the page, less the Streamlit-owned ones."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(_axe.axe_script)  # stays loaded while st.navigation switches pages
    result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    found = []
    for violation in result["violations"]:
        if violation["impact"] not in BLOCKING:
            continue
        rules = [e for e in STREAMLIT_OWNED if e.rule == violation["id"]]
        for node in violation["nodes"]:
            target = node["target"]
            if len(target) == 1 and any(
                page.evaluate(_EXCLUDED_JS, [target[0], e.selector]) for e in rules
            ):
                continue
            found.append(
                f"{violation['id']} ({violation['impact']}): {violation['help']} — "
                f"{' / '.join(map(str, target))}: {node['html'][:160]}"
            )
    return found


def unlabelled_inputs(page) -> list[str]:
    """Inputs on show without a visible text label (a hidden or collapsed label does not count)."""
    return page.evaluate(_UNLABELLED_JS, _LABELLED_WIDGETS)


def accessibility_problems(page) -> list[str]:
    return axe_violations(page) + [f"no visible label: {x}" for x in unlabelled_inputs(page)]
