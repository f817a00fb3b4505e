/* Drafts and the idle warning. A static file of ours: the Content-Security-Policy allows no inline
   script and no inline handler, so everything is wired here from data attributes.

   1. Drafts. A form marked data-draft-key="..." posts its fields to the server (practice:draft_save,
      kept encrypted, practice/drafts.py) every few seconds while they change, and when the page is
      left, and says "Draft saved 10:42" beside its buttons. The server itself puts a draft back into
      the form when it serves the page (so that works without this script): nothing is restored here,
      and nothing is kept in the browser.
   2. The idle warning. <body data-idle-seconds-left> says how long the session has left without
      activity. Two minutes before the end a banner offers "Stay signed in" (a POST to
      practice:session_keepalive). At the end the page goes to sign in, so a screen left open does not
      keep showing records. Before showing the banner, and at the end, the script asks the server how
      long is left (practice:session_status, which does not count as activity): another tab may have
      kept the session alive. Only a draft save that changed something, and that button, count as
      activity (practice/session_security.py).
*/
(function () {
  "use strict";

  var SAVE_EVERY_MS = 5000;
  var TICK_MS = 5000;
  var WARN_SECONDS = 120;
  var RECHECK_MS = 30000;

  var body = document.body;
  var data = body.dataset;
  if (!data.idleSecondsLeft) {
    return; // not signed in: nothing to keep, no clock to watch
  }

  function csrfToken() {
    var field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  // redirect "manual": a session that has ended answers with a redirect to sign in, which must not be
  // followed here (the sign-in page would use up the message that says why).
  function request(url, method, payload) {
    return fetch(url, {
      method: method,
      body: payload,
      credentials: "same-origin",
      redirect: "manual",
      headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" },
    });
  }

  function signedOut(response) {
    return response.type === "opaqueredirect" || response.status === 302;
  }

  function clockTime(iso) {
    // As the server writes times for this viewer (base.html: <html data-clock="24">): 14:30, or 2:30 PM.
    var twelve = document.documentElement.dataset.clock === "12";
    return new Date(iso).toLocaleTimeString(twelve ? "en-US" : "en-GB", { hour: "numeric", minute: "2-digit", hour12: twelve });
  }

  // --- The idle clock ---------------------------------------------------------------------------

  var banner = document.getElementById("idle-warning");
  var deadline = Date.now() + parseInt(data.idleSecondsLeft, 10) * 1000;
  var checking = false;
  var lastCheck = 0;
  var leaving = false;

  function secondsLeft() {
    return (deadline - Date.now()) / 1000;
  }

  function setLeft(seconds) {
    deadline = Date.now() + seconds * 1000;
    if (seconds > WARN_SECONDS && banner) {
      banner.classList.add("d-none");
    }
  }

  function goToSignIn() {
    if (leaving) {
      return;
    }
    leaving = true;
    window.location.assign(window.location.href); // signed out now: the page sends to sign in, and back
  }

  function check() {
    checking = true;
    return request(data.sessionStatusUrl, "GET")
      .then(function (response) {
        if (signedOut(response) || !response.ok) {
          goToSignIn();
          return null;
        }
        return response.json();
      })
      .then(function (answer) {
        if (answer) {
          setLeft(answer.idle_seconds_left);
        }
        return answer;
      })
      .catch(function () {
        return null; // no connection: try again at the next tick
      })
      .finally(function () {
        checking = false;
        lastCheck = Date.now();
      });
  }

  function showBanner() {
    if (banner && banner.classList.contains("d-none")) {
      banner.classList.remove("d-none");
      var button = banner.querySelector("[data-idle-stay]");
      if (button) {
        button.focus();
      }
    }
  }

  function stay() {
    request(data.keepaliveUrl, "POST", new URLSearchParams())
      .then(function (response) {
        if (signedOut(response) || !response.ok) {
          goToSignIn();
          return null;
        }
        return response.json();
      })
      .then(function (answer) {
        if (answer) {
          setLeft(answer.idle_seconds_left);
        }
      })
      .catch(function () {});
  }

  function tick() {
    if (checking || leaving) {
      return;
    }
    var left = secondsLeft();
    if (left > WARN_SECONDS) {
      return;
    }
    if (left <= 0) {
      // Whatever was typed last goes first (a save that changed something is activity), then ask.
      saveAll().then(check);
      return;
    }
    if (banner && !banner.classList.contains("d-none") && Date.now() - lastCheck < RECHECK_MS) {
      return;
    }
    check().then(function (answer) {
      if (answer && answer.idle_seconds_left <= WARN_SECONDS) {
        showBanner();
      }
    });
  }

  if (banner) {
    var stayButton = banner.querySelector("[data-idle-stay]");
    if (stayButton) {
      stayButton.addEventListener("click", stay);
    }
  }

  // --- Drafts -----------------------------------------------------------------------------------

  function serialise(form) {
    var params = new URLSearchParams();
    new FormData(form).forEach(function (value, name) {
      if (name !== "csrfmiddlewaretoken" && typeof value === "string") {
        params.append(name, value);
      }
    });
    return params.toString();
  }

  function statusFor(form) {
    var status = form.querySelector("[data-draft-status]");
    if (status) {
      return status;
    }
    status = document.createElement("span");
    status.className = "draft-status small text-body-secondary ms-2";
    status.setAttribute("data-draft-status", "");
    status.setAttribute("aria-live", "polite");
    var buttons = form.querySelectorAll("button:not([type=button]):not([type=reset]), input[type=submit]");
    if (buttons.length) {
      buttons[buttons.length - 1].insertAdjacentElement("afterend", status);
    } else {
      form.appendChild(status);
    }
    return status;
  }

  function DraftForm(form) {
    var key = form.dataset.draftKey;
    // A page re-shown after a refused save holds typed text no draft has yet: save it at once.
    var last = form.hasAttribute("data-draft-unsaved") ? "" : serialise(form);
    var busy = false;
    var stopped = false;
    var status = statusFor(form);

    function payload(fields) {
      var params = new URLSearchParams(fields);
      params.append("draft_key", key);
      return params;
    }

    this.save = function () {
      if (busy || stopped) {
        return Promise.resolve();
      }
      var fields = serialise(form);
      if (fields === last) {
        return Promise.resolve();
      }
      busy = true;
      return request(data.draftSaveUrl, "POST", payload(fields))
        .then(function (response) {
          if (signedOut(response)) {
            stopped = true; // kept by the server at the sign-out: sign in to get it back
            goToSignIn();
            return null;
          }
          if (response.status === 400) {
            last = fields;
            status.textContent = "Too long to keep as a draft: save the form itself.";
            return null;
          }
          if (!response.ok) {
            stopped = true; // this form cannot keep drafts: say nothing rather than fail every few seconds
            return null;
          }
          return response.json().then(function (answer) {
            last = fields;
            status.textContent = "Draft saved " + clockTime(answer.saved_at);
            setLeft(answer.idle_seconds_left);
          });
        })
        .catch(function () {
          status.textContent = "Draft not saved: no connection. Keep this page open.";
        })
        .finally(function () {
          busy = false;
        });
    };

    // Leaving the page (a link, closing the tab): one last save the browser sends on its way out.
    this.flush = function () {
      var fields = serialise(form);
      if (stopped || fields === last || !navigator.sendBeacon) {
        return;
      }
      var params = payload(fields);
      params.append("csrfmiddlewaretoken", csrfToken());
      if (navigator.sendBeacon(data.draftSaveUrl, params)) {
        last = fields;
      }
    };

    // The form is being saved: the server discards the draft, so no autosave may bring it back.
    form.addEventListener("submit", function () {
      stopped = true;
    });
  }

  var drafts = [];
  document.querySelectorAll("form[data-draft-key]").forEach(function (form) {
    drafts.push(new DraftForm(form));
  });

  function saveAll() {
    return Promise.all(
      drafts.map(function (draft) {
        return draft.save();
      })
    );
  }

  if (drafts.length) {
    window.setInterval(saveAll, SAVE_EVERY_MS);
  }
  window.setInterval(tick, TICK_MS);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") {
      drafts.forEach(function (draft) {
        draft.flush();
      });
    } else {
      tick(); // timers are slowed in background tabs: catch up at once
    }
  });
})();
