/* Drag a session to a free hour of the calendar to move it. A static file of ours (the
   Content-Security-Policy allows no inline script), wired from data attributes.

   Progressive enhancement only: without this script every free hour is a link that starts a booking,
   and every session has a "Move" link to the move form on its page. With it, a session marked
   draggable="true" (booked, still to come) can be dropped on a free hour of the same therapist's
   column. The drop sends the page's hidden form (#calendar-move) to the session's own move address:
   the same POST as the move form, so the server checks it the same way and, when something is odd
   (outside working hours, time off), shows its warnings with "Move anyway" before anything moves.
   The hour's date and time come from the slot (data-date, data-time: in the therapist's zone, as the
   form takes them). Nothing about the session is kept in the browser.
*/
(function () {
  "use strict";

  var calendar = document.querySelector("[data-calendar]");
  if (!calendar) {
    return;
  }
  var form = document.getElementById(calendar.dataset.moveForm);
  if (!form) {
    return;
  }
  var dragged = null;

  function slotsFor(session) {
    var grids = calendar.querySelectorAll('.cal-grid[data-therapist="' + session.dataset.therapist + '"]');
    var slots = [];
    grids.forEach(function (grid) {
      grid.querySelectorAll(".cal-slot").forEach(function (slot) { slots.push(slot); });
    });
    return slots;
  }

  function accepts(slot) {
    return dragged !== null && slot.closest(".cal-grid").dataset.therapist === dragged.dataset.therapist;
  }

  calendar.querySelectorAll('.cal-appt[draggable="true"]').forEach(function (session) {
    session.addEventListener("dragstart", function (event) {
      dragged = session;
      session.classList.add("cal-dragging");
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", session.dataset.moveUrl);
      slotsFor(session).forEach(function (slot) { slot.classList.add("cal-drop-target"); });
    });
    session.addEventListener("dragend", function () {
      session.classList.remove("cal-dragging");
      calendar.querySelectorAll(".cal-drop-target, .cal-drop").forEach(function (slot) {
        slot.classList.remove("cal-drop-target", "cal-drop");
      });
      dragged = null;
    });
  });

  calendar.querySelectorAll(".cal-slot").forEach(function (slot) {
    slot.addEventListener("dragover", function (event) {
      if (!accepts(slot)) {
        return;
      }
      event.preventDefault(); // this hour takes the drop
      event.dataTransfer.dropEffect = "move";
      slot.classList.add("cal-drop");
    });
    slot.addEventListener("dragleave", function () {
      slot.classList.remove("cal-drop");
    });
    slot.addEventListener("drop", function (event) {
      if (!accepts(slot)) {
        return;
      }
      event.preventDefault();
      form.action = dragged.dataset.moveUrl;
      form.elements.date.value = slot.dataset.date;
      form.elements.start_time.value = slot.dataset.time;
      form.submit();
    });
  });
})();
