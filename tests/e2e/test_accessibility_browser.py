# ruff: noqa: E501 - the JavaScript snippets read better unwrapped
"""In a real browser: every control is reachable with the keyboard, text has enough contrast, and
the pages fit a 390-px phone without sideways scrolling."""

from datetime import timedelta

import pytest

from tests.e2e.conftest import DESKTOP, PHONE

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


# --- the calendar: day, week and month, at desktop and phone widths -------------------------------

# The same measure inside one part of the page (the calendar's <main>: the navigation bar is the site's).
CONTRAST_IN = CONTRAST.replace("() => {", "(root) => {", 1).replace(
    "document.querySelectorAll(", "document.querySelector(root).querySelectorAll(", 1
)

GRID_FOCUS = """
() => { const e = document.activeElement; const col = e.closest('.cal-col');
        if (!col) return null;
        const cols = [...document.querySelectorAll('.cal-col')];
        const placed = e.closest('.cal-slot, .cal-appt');  // none: the column's heading, row 0
        const row = placed ? Number((placed.className.match(/cal-r-(\\d+)/) || [0, 0])[1]) : 0;
        return [cols.indexOf(col), row, e.className + '|' + e.textContent.trim()]; }
"""

GRID_CONTROLS = "els => els.filter(e => e.offsetParent !== null).length"


def _tab_through_the_grid(page, presses: int) -> list:
    seen = []
    for _ in range(presses):
        page.keyboard.press("Tab")
        where = page.evaluate(GRID_FOCUS)
        if where is None and seen:
            break  # past the grid
        if where is not None:
            seen.append(where)
    return seen


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
@pytest.mark.parametrize("view", ["day", "week", "month"])
def test_the_calendar_by_keyboard_with_contrast_on_desktop_and_phone(browser, live_server, alice, viewport, view):
    from tests.e2e.conftest import sign_in
    from tests.e2e.test_journey_calendar import next_monday, seed_week
    from tests.factories import PASSWORD

    # Next week, so that every booked session is still to come and has its "Move" link whatever day
    # and hour the suite runs (this week's Wednesday at 11 has passed by Wednesday noon).
    monday = seed_week(alice, next_monday(alice))
    context = browser.new_context(viewport=viewport, base_url=live_server.url)
    page = context.new_page()
    sign_in(page, alice.user.email, PASSWORD, alice.totp_secret)
    day = monday + timedelta(days=2)  # Wednesday: two sessions side by side
    page.goto(f"/schedule/?view={view}&date={day.isoformat()}")

    assert page.evaluate(CONTRAST_IN, "main") == []
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]  # the grid scrolls in its box
    if view == "month":
        days = page.locator("table.cal-month a.cal-month-day")
        assert days.count() >= 28
        days.first.focus()
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.classList.contains('cal-month-day')")  # day after day
        context.close()
        return
    controls = page.eval_on_selector_all(".cal-col a", GRID_CONTROLS)
    page.locator("#grid-help").click()  # start just above the grid, as a reader would
    seen = _tab_through_the_grid(page, controls + 5)
    assert len(seen) == controls  # every free hour, session and "Move" link of the grid, each once
    positions = [(column, row) for column, row, _ in seen]
    assert positions == sorted(positions)  # column by column, top to bottom: the order the eye reads
    assert any(text.startswith("cal-move|Move") for _, _, text in seen)


# --- Issue 23: the client page and the forms, signed in, at desktop and phone widths -------------


def _reached_by_tab(page, selector: str, presses: int = 120) -> tuple[set, set]:
    controls = set(
        page.eval_on_selector_all(
            selector,
            "els => els.filter(e => e.offsetParent !== null)"
            ".map(e => e.type === 'radio' ? 'radio:' + e.name : (e.id || e.name || e.textContent.trim()))",
        )
    )
    page.locator("body").focus()
    reached = set()
    for _ in range(presses):
        page.keyboard.press("Tab")
        reached.add(page.evaluate(FOCUSED))
    return controls, reached


@pytest.mark.django_db(transaction=True)
def test_the_client_page_and_forms_at_desktop_and_phone_widths(browser, live_server, alice):
    from django.urls import reverse

    from tests.e2e.conftest import DESKTOP, sign_in
    from tests.factories import PASSWORD, couple

    unit = couple(alice)
    # Without motion: the contrast is read right after the last Tab, and the focused button's colour
    # transition (Bootstrap's 0.15 s) was sometimes caught half-way (a contrast of 1.07 to 1.32).
    context = browser.new_context(viewport=DESKTOP, base_url=live_server.url, reduced_motion="reduce")
    context.set_default_timeout(15000)
    page = context.new_page()
    sign_in(page, alice.user.email, PASSWORD, alice.totp_secret)
    pages = [
        reverse("clients:detail", args=[unit.pk]),
        reverse("clients:note_create", args=[unit.pk]),
        reverse("clients:create"),
        reverse("practice:preferences"),
    ]
    for size in (DESKTOP, PHONE):
        page.set_viewport_size(size)
        for path in pages:
            page.goto(path)
            form = "main form" if path != pages[0] else "main nav[aria-label='Sections of the record']"
            controls, reached = _reached_by_tab(
                page, f"{form} :is(input:not([type=hidden]), select, textarea, button, a)", presses=160
            )
            assert controls <= reached, (path, size, controls - reached)
            low = page.evaluate(CONTRAST)
            assert low == [], (path, size, low)
            assert page.evaluate("document.documentElement.scrollWidth") <= size["width"], (path, size)
    context.close()
