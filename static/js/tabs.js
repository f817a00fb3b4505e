/* Tabs on the client page, as progressive enhancement. Each tab is a link to ?tab=<name>, which the
   server renders with that tab's panel shown (so everything works without this script); here a
   click shows the panel at once, marks the link as current and puts ?tab= in the address, so a
   reload or a shared link lands on the same tab. A static file of ours: the CSP allows no inline
   script. */
(function () {
  "use strict";

  var list = document.querySelector("[data-tabs]");
  if (!list) {
    return;
  }
  var links = list.querySelectorAll("a[data-tab]");
  var panels = document.querySelectorAll("[data-tab-panel]");

  function show(name) {
    panels.forEach(function (panel) {
      panel.hidden = panel.getAttribute("data-tab-panel") !== name;
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
    show(name);
    var url = new URL(window.location.href);
    url.searchParams.set("tab", name);
    url.hash = "";
    window.history.replaceState(null, "", url.toString());
  });
})();
