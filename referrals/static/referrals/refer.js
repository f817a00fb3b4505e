// The public referral form: show the speciality for physicians and the partner's fields for couples.
// Without JavaScript both stay visible, so the form works either way. (A file, not inline: the
// Content-Security-Policy allows scripts from our own origin only.)
(function () {
  "use strict";
  var kind = document.getElementById("id_referrer_kind");
  var speciality = document.getElementById("div_id_referrer_speciality");
  var specialityInput = document.getElementById("id_referrer_speciality");
  var partner = document.getElementById("partner");

  function showSpeciality() {
    speciality.hidden = kind.value !== "physician" && !specialityInput.value;
  }
  function showPartner() {
    var chosen = document.querySelector('input[name="kind"]:checked');
    partner.hidden = !(chosen && chosen.value === "couple");
  }

  if (kind && speciality && specialityInput) {
    kind.addEventListener("change", showSpeciality);
    showSpeciality();
  }
  if (partner) {
    document.querySelectorAll('input[name="kind"]').forEach(function (radio) {
      radio.addEventListener("change", showPartner);
    });
    showPartner();
  }
})();
