// Carte sensible: the moderators' console (a tablet beside the stage). No library.
// Lists are kept card by card, keyed by journal entry: a refresh adds, updates and removes
// cards in place, so a reason being typed, the focus and the scroll stay where they are.
"use strict";
(() => {
  const csrf = document.querySelector("meta[name=csrf]").content;
  const message = document.getElementById("message");
  const pendingList = document.getElementById("attente");
  const arrivalsList = document.getElementById("arrivees");
  const more = document.getElementById("plus");
  const STATES = { pending: "en attente", shown: "sur la carte", pinned: "épinglée",
                   hidden: "masquée", rejected: "refusée", refused: "illisible",
                   duplicate: "doublon" };
  const KINDS = { text: "Texte", keywords: "Mots-clés", image: "Photo", drawing: "Dessin",
                  sound: "Son", video: "Vidéo", animation: "Animation", data: "Données" };
  const PICTURED = ["image", "drawing", "animation", "video"];
  const DECIDED = "shown,pinned,hidden,rejected,refused,duplicate";
  let blackout = false;
  let arrivalsWanted = 50;
  let busy = false;

  async function act(order) {
    const answer = await fetch("/api/moderation", {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(order),
    });
    const info = await answer.json();
    message.textContent = answer.ok ? "Fait." : (info.error || "Refusé.");
    refresh();
  }

  function element(tag, className, text) {
    const made = document.createElement(tag);
    if (className) made.className = className;
    if (text !== undefined) made.textContent = text;
    return made;
  }

  function button(label, order, extra) {
    const b = element("button", "", label);
    b.type = "button";
    b.addEventListener("click", () => act(Object.assign({}, order, extra ? extra() : {})));
    return b;
  }

  function ago(seconds) {
    const minutes = Math.round((Date.now() / 1000 - seconds) / 60);
    if (minutes < 1) return "à l'instant";
    if (minutes < 60) return `il y a ${minutes} min`;
    return `il y a ${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, "0")}`;
  }

  function duration(seconds) {
    const whole = Math.round(seconds);
    return whole < 60 ? `${whole} s` : `${Math.floor(whole / 60)} min ${whole % 60} s`;
  }

  // What the contribution is, shown as itself: its words, its picture, its sound.
  function content(entry) {
    const box = element("div", "contenu");
    const id = encodeURIComponent(entry.id);
    if (entry.state === "refused" || entry.state === "duplicate") return box;
    if (entry.kind === "text") {
      box.append(element("p", "mots-texte", entry.text || ""));
    } else if (entry.kind === "keywords") {
      const words = element("ul", "mots-cles");
      const listed = (entry.tags || {}).keywords;
      const said = listed && listed.length ? listed : (entry.text || "").split(/\n|,|·/);
      for (const word of said.map((w) => w.trim()).filter(Boolean)) {
        words.append(element("li", "", word));
      }
      box.append(words);
    } else if (entry.kind === "sound") {
      const player = element("audio");
      player.controls = true;
      player.preload = "none";
      player.src = "/api/moderation/media/" + id;
      player.setAttribute("aria-label", "Écouter le son");
      box.append(player);
      if (entry.seconds) box.append(element("p", "aide", duration(entry.seconds)));
    } else if (PICTURED.includes(entry.kind)) {
      const picture = element("img", "image");
      picture.loading = "lazy";
      picture.src = `/api/moderation/thumbnail/${id}?size=480`;
      picture.alt = KINDS[entry.kind] || entry.kind;
      box.append(picture);
    } else if (entry.name) {
      box.append(element("p", "", entry.name));
    }
    return box;
  }

  function actions(entry) {
    const box = element("div", "actions");
    const id = { id: entry.id };
    if (entry.state === "refused" || entry.state === "duplicate") return box;
    if (entry.state === "pending") {
      const reason = element("input", "raison");
      reason.type = "text";
      reason.placeholder = "raison du refus (facultatif)";
      reason.setAttribute("aria-label", "Raison du refus");
      reason.addEventListener("keydown", (event) => {
        if (event.key === "Enter") { event.preventDefault(); decide(box.closest("li"), "reject"); }
        if (event.key === "Escape") box.closest("li").focus();
      });
      box.append(button("Accepter (A)", { action: "approve", ...id }),
                 button("Refuser (R)", { action: "reject", ...id },
                        () => ({ reason: reason.value })), reason);
    } else if (entry.state === "rejected") {
      box.append(button("Accepter quand même", { action: "approve", ...id }));
    } else {
      box.append(entry.state === "hidden" ? button("Montrer", { action: "show", ...id })
                                          : button("Masquer", { action: "hide", ...id }),
                 entry.state === "pinned" ? button("Détacher", { action: "unpin", ...id })
                                          : button("Épingler", { action: "pin", ...id }),
                 button("Cadrer", { action: "focus", ...id }));
    }
    return box;
  }

  function header(entry) {
    const tags = entry.tags || {};
    return [KINDS[entry.kind] || entry.kind || "—", tags.author || "anonyme", ago(entry.at),
            tags.theme, tags.sequence, tags.parcours].filter(Boolean).join(" · ");
  }

  function fill(item, entry) {
    item.dataset.id = entry.id;
    item.dataset.state = entry.state;
    item.setAttribute("aria-label", `${KINDS[entry.kind] || entry.kind}, ${STATES[entry.state] || entry.state}`);
    item.querySelector(".entete").textContent = header(entry);
    item.querySelector(".etat").textContent = STATES[entry.state] || entry.state;
    item.querySelector(".pourquoi").textContent = entry.reason || "";
  }

  function card(entry) {
    const item = element("li");
    item.tabIndex = 0;
    item.append(element("p", "entete"), content(entry), element("strong", "etat"),
                element("p", "pourquoi"), actions(entry));
    fill(item, entry);
    return item;
  }

  // Cards in the list's order; an existing card is updated where it stands, never rebuilt
  // (its reason field, focus and player stay), new ones go in their place.
  function render(list, entries) {
    const existing = new Map([...list.children].map((li) => [li.dataset.seq, li]));
    const wanted = new Set(entries.map((e) => String(e.seq)));
    for (const [seq, li] of existing) {
      if (!wanted.has(seq)) {
        const neighbour = li.nextElementSibling || li.previousElementSibling;
        if (li.contains(document.activeElement) && neighbour) neighbour.focus();
        li.remove();
      }
    }
    let before = null;
    for (const entry of entries) {
      let li = existing.get(String(entry.seq));
      if (li && li.dataset.state !== entry.state && !li.contains(document.activeElement)) {
        li.replaceChild(actions(entry), li.querySelector(".actions"));
      }
      if (!li) {
        li = card(entry);
        li.dataset.seq = String(entry.seq);
        list.insertBefore(li, before ? before.nextSibling : list.firstChild);
      } else {
        fill(li, entry);
      }
      before = li;
    }
  }

  async function pages(query, wanted) {
    let found = [];
    let after = "";
    let answer = null;
    do {
      const response = await fetch(`/api/moderation/arrivals?${query}&limit=200${after}`,
                                   { credentials: "same-origin" });
      if (response.status === 401) { location.reload(); throw new Error("session"); }
      answer = await response.json();
      found = found.concat(answer.arrivals);
      after = answer.next ? "&after=" + answer.next : "";
    } while (after && found.length < wanted);
    return { entries: found, info: answer };
  }

  function scenes(names, current) {
    const box = document.getElementById("scenes");
    const known = [...box.children].map((b) => b.dataset.name).join("\n");
    if (known !== names.join("\n")) {
      box.replaceChildren(...names.map((name) => {
        const b = button(name, { action: "scene", name });
        b.dataset.name = name;
        return b;
      }));
    }
    for (const b of box.children) b.setAttribute("aria-pressed", String(b.dataset.name === current));
  }

  const noir = document.getElementById("noir");
  noir.addEventListener("click", () => act({ action: "blackout", on: !blackout }));
  more.addEventListener("click", () => { arrivalsWanted += 50; refresh(); });

  async function refresh() {
    if (busy) return;
    busy = true;
    try {
      const queue = await pages("state=pending", Infinity);
      render(pendingList, queue.entries);
      const info = queue.info;
      document.getElementById("nb-attente").textContent =
        `(${info.count})` + (info.reading ? ` · ${info.reading} en lecture` : "");
      const decided = await pages("state=" + DECIDED, arrivalsWanted);
      render(arrivalsList, decided.entries.slice(0, arrivalsWanted));
      more.hidden = decided.info.count <= arrivalsWanted;
      const status = info.status || {};
      scenes(info.scenes, status.scene);
      blackout = info.blackout;
      noir.setAttribute("aria-pressed", String(blackout));
      const queues = status.queues || {};
      const frame = status.frame_ms || {};
      document.getElementById("etat").textContent =
        `${status.fps ?? "–"} images/s · image p95 ${frame.p95 ?? "–"} ms · ` +
        `${status.contributions ?? 0} contributions · en file ${queues.arrivals ?? 0}` +
        ` + ${queues.dropped ?? 0} · illisibles ${status.refused ?? 0}` +
        (status.cluster ? ` · réseau ${status.cluster.state === "joined" ? "joint" :
          status.cluster.state === "cut off" ? "COUPÉ" : "connexion…"}, ` +
          `${status.cluster.nodes.length} autres salles, retard ${status.cluster.lag}` : "");
      const problems = (status.problems || []).join("\n");
      const list = document.getElementById("problemes");
      if (list.dataset.known !== problems) {
        list.dataset.known = problems;
        list.replaceChildren(...(status.problems || []).map((p) => element("li", "", p)));
      }
    } catch (error) {
      message.textContent = "La carte ne répond pas ; nouvel essai…";
    } finally {
      busy = false;
    }
  }

  // Keyboard: A accepts, R goes to the reason (Enter refuses), J/K or arrows move.
  function current() {
    const within = document.activeElement && document.activeElement.closest("#attente > li");
    return within || pendingList.firstElementChild;
  }
  function decide(item, action) {
    if (!item) return;
    const next = item.nextElementSibling || item.previousElementSibling;
    const reason = item.querySelector(".raison");
    act({ action, id: item.dataset.id, ...(action === "reject" ? { reason: reason.value } : {}) });
    if (next) next.focus();
  }
  document.addEventListener("keydown", (event) => {
    if (event.target.matches("input, textarea, select, button") || event.ctrlKey ||
        event.metaKey || event.altKey || event.target.closest("#arrivees")) return;
    const item = current();
    const key = event.key.toLowerCase();
    if (key === "a") decide(item, "approve");
    else if (key === "r" && item) item.querySelector(".raison").focus();
    else if ((key === "j" || key === "arrowdown") && item) (item.nextElementSibling || item).focus();
    else if ((key === "k" || key === "arrowup") && item) (item.previousElementSibling || item).focus();
    else return;
    event.preventDefault();
  });
  async function named() {
    try {
      const answer = await fetch("/api/terms", { credentials: "same-origin" });
      const regions = (await answer.json()).regions.filter((r) => !r.sequence);
      document.getElementById("termes").replaceChildren(...regions.map((r) => {
        const li = document.createElement("li");
        const said = r.terms.slice(0, 6).map((t) => t.term + (t.rising ? " ↑" : ""));
        li.textContent = `${r.theme} (${r.contributions}) : ${said.join(" · ") || "–"}`;
        return li;
      }));
    } catch (error) {
      return;
    }
  }

  const preview = document.getElementById("apercu");
  function picture() { preview.src = "/api/moderation/preview?t=" + Date.now(); }
  preview.addEventListener("error", () => { preview.removeAttribute("src"); });

  refresh();
  picture();
  named();
  setInterval(refresh, 2000);
  setInterval(named, 5000);
  setInterval(picture, 2500);
})();
