/* Tabs on the client page, as progressive enhancement. Each tab is a link to ?tab=<name>, which the
   server renders with that tab's panel shown and filled (so everything works without this script);
   the page holds only the current tab's content, the others a link. Here a click shows the panel
   at once, marks the link as current and puts ?tab= in the address, so a reload or a shared link
   lands on the same tab; a panel not yet filled is fetched from its own page (the same URL the
   link names) and put in place. If that fails, the browser opens the tab's page instead. A static
   file of ours: the CSP allows no inline script. */
(function () {
  "use strict";

  var list = document.querySelector("[data-tabs]");
  if (!list) {
    return;
  }
  var links = list.querySelectorAll("a[data-tab]");
  var panels = document.querySelectorAll("[data-tab-panel]");

  function panelNamed(root, name) {
    return root.querySelector('[data-tab-panel="' + name + '"]');
  }

  function fill(panel, name, href) {
    panel.setAttribute("aria-busy", "true");
    fetch(href, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        // A redirect (signed out meanwhile) or an error: let the browser open the page itself.
        if (!response.ok || response.redirected) {
          throw new Error("tab " + name + ": " + response.status);
        }
        return response.text();
      })
      .then(function (html) {
        var fetched = panelNamed(new DOMParser().parseFromString(html, "text/html"), name);
        if (!fetched || !fetched.hasAttribute("data-tab-loaded")) {
          throw new Error("tab " + name + ": no content");
        }
        panel.replaceChildren.apply(panel, Array.prototype.slice.call(fetched.childNodes));
        panel.setAttribute("data-tab-loaded", "");
        panel.removeAttribute("aria-busy");
      })
      .catch(function () {
        window.location.assign(href);
      });
  }

  function show(name, href) {
    panels.forEach(function (panel) {
      var mine = panel.getAttribute("data-tab-panel") === name;
      panel.hidden = !mine;
      if (mine && !panel.hasAttribute("data-tab-loaded") && !panel.hasAttribute("aria-busy")) {
        fill(panel, name, href);
      }
    });
    links.forEach(function (link) {
      if (link.getAttribute("data-tab") === name) {
        link.setAttribute("aria-current", "page");
      } else {
        link.removeAttribute("aria-current");
      }
    });
  }

  list.addEventListener("click", function (event) {
    var link = event.target.closest("a[data-tab]");
    if (!link || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) {
      return; // a new tab or window: let the browser open the server-side page
    }
    event.preventDefault();
    var name = link.getAttribute("data-tab");
    var url = new URL(window.location.href);
    url.searchParams.set("tab", name);
    url.hash = "";
    show(name, url.toString());
    window.history.replaceState(null, "", url.toString());
  });
})();
