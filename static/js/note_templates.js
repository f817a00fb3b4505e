/* The note template chooser above a new note (templates/clients/note_form.html). Without this
   script the chooser is a GET form: ?template=<id> reloads the page with the template's headings in
   the text box. Here the headings go in at once: into an empty box, or above what is already typed
   (nothing written is ever replaced), the form's hidden "template" field records the choice, and
   an input event lets static/js/drafts.js save the draft as for any typing. */
(function () {
  "use strict";

  var chooser = document.querySelector("[data-note-template-chooser]");
  var body = document.querySelector("[data-note-body]");
  var chosen = document.querySelector("[data-note-template]");
  if (!chooser || !body) {
    return;
  }
  var select = chooser.querySelector("select");
  var status = chooser.querySelector("[data-note-template-status]");

  chooser.addEventListener("submit", function (event) {
    event.preventDefault();
    var option = select.options[select.selectedIndex];
    if (!option) {
      return;
    }
    var headings = option.getAttribute("data-body") || "";
    var typed = body.value.trim();
    if (typed && headings && typed.indexOf(headings.trim()) === 0) {
      headings = ""; // already started from this template
    }
    body.value = typed ? (headings ? headings + "\n" + body.value : body.value) : headings;
    if (chosen) {
      chosen.value = option.value;
    }
    body.dispatchEvent(new Event("input", { bubbles: true }));
    body.focus();
    body.setSelectionRange(0, 0);
    if (status) {
      status.textContent = option.getAttribute("data-name") + " template in the text box.";
    }
  });
})();
