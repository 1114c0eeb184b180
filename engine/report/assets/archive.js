// Filters of the archive: theme, sequence, parcours and form. No dependency, no request.
// The choice lives in the address (#theme=datas&kind=image), so a filtered view can be
// bookmarked or shared; without JavaScript every contribution is simply shown.
"use strict";

(() => {
  const form = document.getElementById("filtres");
  const keys = ["theme", "sequence", "parcours", "kind"];
  const cards = Array.from(document.querySelectorAll(".carte"));
  const points = Array.from(document.querySelectorAll(".point"));
  const groups = Array.from(document.querySelectorAll(".groupe"));
  const count = document.getElementById("compte");
  const none = document.getElementById("aucune");

  const chosen = () => keys.filter((key) => form.elements[key].value)
    .map((key) => [key, form.elements[key].value]);
  const fits = (element, choice) => choice.every(([key, value]) => element.dataset[key] === value);

  function apply() {
    const choice = chosen();
    let shown = 0;
    for (const card of cards) {
      card.hidden = !fits(card, choice);
      if (!card.hidden) shown += 1;
    }
    for (const point of points) {
      const out = !fits(point, choice);
      point.classList.toggle("hors-filtre", out);
      point.setAttribute("tabindex", out ? "-1" : "0");
    }
    for (const group of groups) group.hidden = !group.querySelector(".carte:not([hidden])");
    none.hidden = shown > 0;
    count.textContent = choice.length === 0
      ? `${cards.length} contributions`
      : `${shown} contribution${shown > 1 ? "s" : ""} sur ${cards.length}`;
    const address = new URLSearchParams(choice).toString();
    if (address !== location.hash.slice(1) && (address || location.hash.includes("="))) {
      history.replaceState(null, "", address ? `#${address}` : location.pathname);
    }
  }

  function fromAddress() {
    const hash = location.hash.slice(1);
    if (!hash.includes("=")) return;  // a link to one contribution, not a choice
    const asked = new URLSearchParams(hash);
    for (const key of keys) {
      const select = form.elements[key];
      select.value = asked.get(key) || "";
      if (select.selectedIndex < 0) select.value = "";
    }
  }

  form.addEventListener("change", apply);
  form.addEventListener("reset", () => setTimeout(apply));
  window.addEventListener("hashchange", () => {
    if (location.hash.includes("=")) { fromAddress(); apply(); }
  });
  form.hidden = false;
  fromAddress();
  apply();
})();
