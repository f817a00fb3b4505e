"""The load test's people (Locust, headless; bin/loadtest runs it). A group practice at size M:

- therapists (weight 4): the dashboard, the calendar, the client list, a client's page, writing a note;
- staff (weight 1): the calendar;
- clients (weight 4): the portal home, the booking page, booking a session, moving one, reading
  their assigned exercise;
- referrers (weight 1): the public referral form, filled in and sent.

Each simulated person thinks 0.5-2.5 s between pages (LOADTEST_THINK to change it). Accounts come
from bench/loadtest/prepare.py (LOADTEST_ACCOUNTS, a JSON file). Therapists and staff sign in
through allauth's real two steps with a TOTP code computed from the seeded secret, once per account
per run: the other simulated people on the same account share that session, like one person's
several tabs (a TOTP code is accepted once per window, so fifty sign-ins to ten accounts would wait
minutes for codes). The sessions are kept for the next run of the same load test
(LOADTEST_SESSIONS).

The app is reached as it is behind the TLS proxy in production: `X-Forwarded-Proto: https` (so
the production settings' HTTPS redirect, secure and `__Host-` cookies and CSRF's origin check all
apply) and `X-Forwarded-For` with one address per simulated person (TRUSTED_PROXY_COUNT=1), so the
rate limits count people, not the load generator.
"""

import json
import os
import random
import re
import sys
import time
from datetime import date
from http.cookiejar import Cookie, DefaultCookiePolicy
from itertools import count
from pathlib import Path

import gevent
import gevent.lock
from locust import FastHttpUser, between, constant, events, task

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from bench.loadtest.helpers import PERIOD, csrf, totp

ACCOUNTS = json.loads(Path(os.environ["LOADTEST_ACCOUNTS"]).read_text())
RNG = random.Random()  # noqa: S311  (who does what next, not a secret)
SLOT = re.compile(r'name="start" value="([^"]+)"')
MOVE = re.compile(r'href="(/portal/sessions/\d+/move/)"')
SERIAL = count()
# Seconds each simulated person thinks between pages (LOADTEST_THINK="low,high", bin/loadtest --think):
# 0.5-2.5 by default, a stress rhythm; a person reading a page before the next click takes longer.
THINK = tuple(float(x) for x in os.environ.get("LOADTEST_THINK", "0.5,2.5").split(","))


@events.init.add_listener
def _secure_cookies_over_loopback(environment, **kwargs):
    """The secure cookies travel over loopback HTTP as they would over the proxy's TLS (Locust's
    fast client already presents its requests to the jar as HTTPS; the policy is changed too, in the
    Locust process only, so nothing depends on that detail)."""
    DefaultCookiePolicy.return_ok_secure = lambda policy, cookie, request: True


# Signed-in sessions by account, kept in a file between the runs of one load test (each number of
# users is its own Locust process), so later runs do not wait for a fresh TOTP window.
SESSIONS = os.environ.get("LOADTEST_SESSIONS", "")
_sessions: dict[str, list[dict]] = (
    json.loads(Path(SESSIONS).read_text()) if SESSIONS and os.path.exists(SESSIONS) else {}
)
_locks: dict[str, gevent.lock.Semaphore] = {}


class Person(FastHttpUser):
    """One simulated person. Locust's fast client (geventhttpclient) rather than requests: it takes a
    fraction of the load generator's CPU, which shares the two cores with what it measures."""

    abstract = True
    wait_time = between(*THINK)

    def on_start(self):
        n = next(SERIAL)
        self.origin = "https://" + self.host.split("://", 1)[1].rstrip("/")
        # Sent with each request: this person's own address, as through the TLS proxy.
        self.headers = {
            "X-Forwarded-Proto": "https",
            "X-Forwarded-For": f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256 + 1}",
            "Origin": self.origin,
        }

    def get(self, url, *, name):
        """A page, which must answer 200 itself: a redirect (to the sign-in page, say, if the session
        were lost) counts as an error rather than as the page it leads to."""
        with self.client.get(
            url, name=name, headers=self.headers, allow_redirects=False, catch_response=True
        ) as response:
            return _judged(response, expect=(200,))

    def post(self, url, data, *, name, html, expect=(200, 302), **kwargs):
        data = {"csrfmiddlewaretoken": csrf(html), **data}
        headers = {**self.headers, "Referer": self.origin + url}
        with self.client.post(
            url, data=data, name=name, headers=headers, allow_redirects=False, catch_response=True, **kwargs
        ) as response:
            return _judged(response, expect=expect)

    def sign_in(self, email: str, *, second_factor: bool):
        """Sign in once per account (gevent lock), then share the session's cookies."""
        lock = _locks.setdefault(email, gevent.lock.Semaphore())
        with lock:
            if email not in _sessions:
                _sessions[email] = self._sign_in(email, second_factor=second_factor)
                if SESSIONS:
                    with open(SESSIONS, "w") as out:
                        json.dump(_sessions, out)
        for saved in _sessions[email]:
            self.client.cookiejar.set_cookie(_cookie(**saved))

    def _sign_in(self, email: str, *, second_factor: bool) -> list[dict]:
        page = self.get("/accounts/login/", name="sign-in: form")
        form = {"login": email, "password": ACCOUNTS["password"]}
        response = self.post("/accounts/login/", form, name="sign-in: password", html=page.text)
        if second_factor:
            for _attempt in range(3):
                page = self.get("/accounts/2fa/authenticate/", name="sign-in: code form")
                response = self.post(
                    "/accounts/2fa/authenticate/",
                    {"code": totp(ACCOUNTS["totp_secret"])},
                    name="sign-in: code",
                    html=page.text,
                    expect=(302, 200),
                )
                if response.status_code == 302:
                    break
                # A code is accepted once per window: wait for the next one.
                time.sleep(PERIOD - time.time() % PERIOD + 0.5)
            else:
                raise RuntimeError(f"{email}: the TOTP step refused three codes")
        elif response.status_code != 302:
            raise RuntimeError(f"{email}: sign-in refused ({response.status_code})")
        return [
            {"name": c.name, "value": c.value, "domain": c.domain, "path": c.path, "secure": c.secure}
            for c in self.client.cookiejar
        ]


def _judged(response, *, expect):
    """Counts the response as Locust's success or failure by its status."""
    if response.status_code in expect:
        response.success()
    else:
        response.failure(f"HTTP {response.status_code}")
    return response


def _cookie(*, name: str, value: str, domain: str, path: str, secure: bool) -> Cookie:
    """A signed-in session's cookie as the server set it, for another person's jar."""
    return Cookie(
        version=0, name=name, value=value, port=None, port_specified=False, domain=domain,
        domain_specified=False, domain_initial_dot=False, path=path, path_specified=True, secure=secure,
        expires=None, discard=True, comment=None, comment_url=None, rest={"HttpOnly": None}, rfc2109=False,
    )  # fmt: skip


class Therapist(Person):
    weight = 4

    def on_start(self):
        super().on_start()
        account = RNG.choice(ACCOUNTS["therapists"])
        self.clients = account["clients"]
        self.sign_in(account["email"], second_factor=True)

    @task(3)
    def dashboard(self):
        self.get("/dashboard/", name="therapist: dashboard")

    @task(3)
    def calendar(self):
        self.get("/schedule/", name="therapist: calendar")

    @task(2)
    def client_list(self):
        self.get("/clients/", name="therapist: client list")

    @task(3)
    def client_page(self):
        unit = RNG.choice(self.clients)
        self.get(f"/clients/{unit}/", name="therapist: client page")
        # The record opens on its overview; each other tab is fetched when opened (static/js/tabs.js
        # asks for the tab's page). Two times in three the therapist opens one, most often the notes
        # or the sessions.
        if RNG.random() < 2 / 3:
            tab = RNG.choice(["notes", "notes", "notes", "sessions", "sessions", "sessions", "timeline", "documents"])
            self.get(f"/clients/{unit}/?tab={tab}", name="therapist: client page tab")

    @task(1)
    def write_note(self):
        client = RNG.choice(self.clients)
        page = self.get(f"/clients/{client}/notes/new/", name="therapist: note form")
        form = {
            "kind": "progress",
            "session_date": date.today().isoformat(),
            "body": "Load test note: themes explored, homework agreed.",
            "joint_use": "",
        }
        self.post(f"/clients/{client}/notes/new/", form, name="therapist: note save", html=page.text, expect=(302,))


class Staff(Person):
    weight = 1

    def on_start(self):
        super().on_start()
        self.sign_in(RNG.choice(ACCOUNTS["staff"]), second_factor=True)

    @task
    def calendar(self):
        self.get("/schedule/", name="staff: calendar")


class PortalClient(Person):
    weight = 4

    def on_start(self):
        super().on_start()
        self.account = RNG.choice(ACCOUNTS["clients"])
        self.sign_in(self.account["email"], second_factor=False)

    @task(2)
    def home(self):
        self.get("/portal/", name="client: portal home")

    @task(2)
    def booking_page(self):
        self.get("/portal/book/", name="client: booking page")

    @task(1)
    def book(self):
        week = date.fromordinal(date.today().toordinal() + 7 * RNG.randint(1, 40)).isoformat()
        page = self.get(f"/portal/book/?week={week}", name="client: booking page")
        slots = SLOT.findall(page.text)
        if not slots:
            return
        start = RNG.choice(slots)
        form = {"start": start, "modality": "video"}
        confirm = self.post("/portal/book/", form, name="client: book (confirm page)", html=page.text, expect=(200,))
        # 409: someone took the slot between the page and the confirm: the page says so (not an error).
        self.post("/portal/book/", {**form, "confirm": "1"}, name="client: book", html=confirm.text, expect=(302, 409))

    @task(1)
    def move(self):
        home = self.get("/portal/", name="client: portal home")
        links = MOVE.findall(home.text)
        if not links:
            return
        url = RNG.choice(links)
        page = self.get(url, name="client: move page")
        slots = SLOT.findall(page.text)
        if not slots:
            return
        form = {"start": RNG.choice(slots)}
        confirm = self.post(url, form, name="client: move (confirm page)", html=page.text, expect=(200,))
        self.post(url, {**form, "confirm": "1"}, name="client: move", html=confirm.text, expect=(302, 409))

    @task(2)
    def exercise(self):
        self.get("/portal/assignments/", name="client: exercises")
        self.get(f"/portal/assignments/{self.account['assignment']}/", name="client: exercise")


class Referrer(Person):
    weight = 1

    @task
    def refer(self):
        n = next(SERIAL)
        # Each referral comes from another referrer's office (the form's rate limit is per address).
        self.headers["X-Forwarded-For"] = f"172.{16 + n // 65536 % 16}.{n // 256 % 256}.{n % 256}"
        page = self.get("/refer/", name="referrer: form")
        form = {
            "referrer_kind": "physician",
            "referrer_speciality": "Urology",
            "referrer_name": f"Dr Load {n}",
            "referrer_organisation": "Quay Clinic",
            "referrer_email": f"load-referrer-{n % 50}@clinic.example",
            "referrer_phone": "+44 20 7946 0000",
            "kind": "individual",
            "first_name": "Robin",
            "last_name": f"Load{n}",
            "email": f"robin.load{n}@example.net",
            "phone": "+44 7700 900777",
            "reason": "Painful sex for a year; would like to be seen.",
            "preferred_contact": "phone",
            "urgency": "routine",
            "consent": "on",
        }
        self.post("/refer/", form, name="referrer: send", html=page.text, expect=(302,))


def _everyone() -> list[tuple[str, bool]]:
    emails = [(t["email"], True) for t in ACCOUNTS["therapists"]]
    emails += [(email, True) for email in ACCOUNTS["staff"]]
    emails += [(account["email"], False) for account in ACCOUNTS["clients"]]
    return emails


# The warm-up's queue of accounts still to sign in, shared by its users (gevent: one thread).
_to_sign_in = iter(_everyone())
_signers_left = count()


class SignInEveryone(Person):
    """The warm-up's first step only (bin/loadtest names the classes of each run, and how many run side by
    side): signs every account in once, then stops the run. A sign-in hashes a password (about a second of
    one core with the production hasher) and holds a sync gunicorn worker meanwhile, so no measured run may
    pay for one: the measured people all find their account's session ready.

    Each account signs in from its own address, as each person would from their own office or home:
    from one address, allauth's sign-in limit (30 a minute per address) would refuse most of them. The
    users of this class take accounts from one queue, so the sign-ins run a few at a time."""

    wait_time = constant(1)

    def on_start(self):
        super().on_start()
        for email, second_factor in _to_sign_in:
            n = next(SERIAL)
            # A fresh jar for each account: signed in as the last one, allauth's sign-in page would only
            # send us on, and the next account would be stored with the last one's session.
            self.client.cookiejar.clear()
            self.headers["X-Forwarded-For"] = f"192.168.{n // 250 % 250}.{n % 250 + 1}"
            self.sign_in(email, second_factor=second_factor)
        # The last of the signers to run out of accounts ends the run, from a greenlet of its own: quit()
        # stops every user, and called from this user's greenlet it would be killed halfway.
        if next(_signers_left) + 1 >= self.environment.parsed_options.num_users:
            gevent.spawn(self.environment.runner.quit)

    @task
    def done(self):
        """Waits for the other signers (its accounts are all signed in)."""
