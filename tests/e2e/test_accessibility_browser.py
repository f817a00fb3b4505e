# ruff: noqa: E501 - the JavaScript snippets read better unwrapped
"""In a real browser: every control is reachable with the keyboard, text has enough contrast, and
the pages fit a 390-px phone without sideways scrolling."""

import pytest

from tests.e2e.conftest import PHONE

FOCUSED = """
() => { const e = document.activeElement;
        return e.type === 'radio' ? 'radio:' + e.name : (e.id || e.name || e.textContent.trim()); }
"""

CONTRAST = """
() => {
  const parse = c => c.match(/[\\d.]+/g).slice(0, 3).map(Number);
  const lum = rgb => { const [r, g, b] = rgb.map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
                       return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  const background = el => { for (; el; el = el.parentElement) { const c = getComputedStyle(el).backgroundColor;
                             if (c && !c.startsWith('rgba(0, 0, 0, 0)') && c !== 'transparent') return c; } return 'rgb(255, 255, 255)'; };
  const worst = [];
  for (const el of document.querySelectorAll('a, button, label, p, h1, h2, li, td, th, span, .form-text')) {
    if (!el.offsetParent || !el.textContent.trim()) continue;
    const [a, b] = [lum(parse(getComputedStyle(el).color)), lum(parse(background(el)))];
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    if (ratio < 4.5) worst.push(el.tagName + ': ' + el.textContent.trim().slice(0, 30) + ' ' + ratio.toFixed(2));
  }
  return worst;
}
"""


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("path", ["/accounts/login/", "/accounts/password/reset/"])
def test_keyboard_contrast_and_phone_width(browser, live_server, path):
    context = browser.new_context(viewport=PHONE, base_url=live_server.url)
    page = context.new_page()
    page.goto(path)
    controls = page.eval_on_selector_all(
        "form input:not([type=hidden]):not([tabindex='-1']), form select, form textarea, form button",
        # A radio group is one Tab stop (arrow keys move inside it): count it by its name.
        "els => els.filter(e => e.offsetParent !== null)"
        ".map(e => e.type === 'radio' ? 'radio:' + e.name : (e.id || e.name || e.textContent.trim()))",
    )
    reached = set()
    for _ in range(80):
        page.keyboard.press("Tab")
        reached.add(
            page.evaluate(
                "() => document.activeElement.id || document.activeElement.name || document.activeElement.textContent.trim()"
            )
        )
    assert set(controls) <= reached, (set(controls) - reached, reached)
    assert page.evaluate(CONTRAST) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    context.close()


@pytest.mark.django_db(transaction=True)
def test_the_referral_form_has_contrast_and_fits_a_phone(browser, live_server):
    context = browser.new_context(viewport=PHONE, base_url=live_server.url)
    page = context.new_page()
    page.goto("/refer/")
    assert page.evaluate(CONTRAST) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.get_by_label("Your name").focus()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") != ""  # focus moves on to the next field
    context.close()
