// Carte sensible: the moderators' console (a tablet beside the stage). No library.
"use strict";
(() => {
  const csrf = document.querySelector("meta[name=csrf]").content;
  const message = document.getElementById("message");
  const STATES = { pending: "en attente", shown: "sur la carte", pinned: "épinglée",
                   hidden: "masquée", rejected: "refusée", refused: "illisible",
                   duplicate: "doublon" };
  const KINDS = { text: "texte", keywords: "mots", image: "photo", drawing: "dessin",
                  sound: "son", video: "vidéo", animation: "animation", data: "données" };
  let blackout = false;

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

  function button(label, order, extra) {
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = label;
    b.addEventListener("click", () => act(Object.assign({}, order, extra ? extra() : {})));
    return b;
  }

  function card(entry, pending) {
    const item = document.createElement("li");
    let thumb;
    if (["image", "drawing", "video", "animation"].includes(entry.kind)) {
      thumb = document.createElement("img");
      thumb.src = "/api/moderation/thumbnail/" + encodeURIComponent(entry.id);
      thumb.alt = KINDS[entry.kind] || entry.kind;
    } else {
      thumb = document.createElement("div");
      thumb.textContent = KINDS[entry.kind] || entry.kind || "—";
    }
    thumb.className = "vignette";
    const text = document.createElement("div");
    text.className = "texte";
    const title = document.createElement("strong");
    title.textContent = STATES[entry.state] || entry.state;
    const detail = document.createElement("div");
    const tags = entry.tags || {};
    detail.textContent = [tags.author || "anonyme", tags.theme, tags.sequence, tags.parcours,
                          entry.reason].filter(Boolean).join(" · ");
    text.append(title, detail);
    item.append(thumb, text);
    if (entry.state === "refused" || entry.state === "duplicate") return item;
    const actions = document.createElement("div");
    actions.className = "actions";
    const id = { id: entry.id };
    if (pending) {
      const reason = document.createElement("input");
      reason.type = "text";
      reason.placeholder = "raison du refus (facultatif)";
      reason.setAttribute("aria-label", "Raison du refus");
      actions.append(button("Accepter", { action: "approve", ...id }),
                     button("Refuser", { action: "reject", ...id },
                            () => ({ reason: reason.value })), reason);
    } else if (entry.state !== "rejected") {
      actions.append(entry.state === "hidden" ? button("Montrer", { action: "show", ...id })
                                              : button("Masquer", { action: "hide", ...id }),
                     entry.state === "pinned" ? button("Détacher", { action: "unpin", ...id })
                                              : button("Épingler", { action: "pin", ...id }),
                     button("Cadrer", { action: "focus", ...id }));
    } else {
      actions.append(button("Accepter quand même", { action: "approve", ...id }));
    }
    item.append(actions);
    return item;
  }

  function fill(list, entries, pending) {
    list.replaceChildren(...entries.map((e) => card(e, pending)));
  }

  function scenes(names, current) {
    const box = document.getElementById("scenes");
    box.replaceChildren(...names.map((name) => {
      const b = button(name, { action: "scene", name });
      b.setAttribute("aria-pressed", String(name === current));
      return b;
    }));
  }

  const noir = document.getElementById("noir");
  noir.addEventListener("click", () => act({ action: "blackout", on: !blackout }));

  async function refresh() {
    try {
      const answer = await fetch("/api/moderation/arrivals", { credentials: "same-origin" });
      if (answer.status === 401) { location.reload(); return; }
      const info = await answer.json();
      const pending = info.arrivals.filter((e) => e.state === "pending");
      fill(document.getElementById("attente"), pending, true);
      document.getElementById("nb-attente").textContent = "(" + pending.length + ")";
      fill(document.getElementById("arrivees"),
           info.arrivals.filter((e) => e.state !== "pending"), false);
      const status = info.status || {};
      scenes(info.scenes, status.scene);
      blackout = info.blackout;
      noir.setAttribute("aria-pressed", String(blackout));
      const queues = status.queues || {};
      const frame = status.frame_ms || {};
      document.getElementById("etat").textContent =
        `${status.fps ?? "–"} images/s · image p95 ${frame.p95 ?? "–"} ms · ` +
        `${status.contributions ?? 0} contributions · en file ${queues.arrivals ?? 0}` +
        ` + ${queues.dropped ?? 0} · refusées ${status.refused ?? 0}` +
        (status.cluster ? ` · réseau ${status.cluster.state === "joined" ? "joint" :
          status.cluster.state === "cut off" ? "COUPÉ" : "connexion…"}, ` +
          `${status.cluster.nodes.length} autres salles, retard ${status.cluster.lag}` : "");
      document.getElementById("problemes").replaceChildren(...(status.problems || []).map(
        (p) => { const li = document.createElement("li"); li.textContent = p; return li; }));
    } catch (error) {
      message.textContent = "La carte ne répond pas ; nouvel essai…";
    }
  }

  const preview = document.getElementById("apercu");
  function picture() { preview.src = "/api/moderation/preview?t=" + Date.now(); }
  preview.addEventListener("error", () => { preview.removeAttribute("src"); });

  refresh();
  picture();
  setInterval(refresh, 2000);
  setInterval(picture, 2500);
})();
