// Carte sensible: the participant page. Served by the engine itself; no library.
"use strict";
(() => {
  const form = document.getElementById("contribuer");
  const message = document.getElementById("message");
  const sent = document.getElementById("envois");
  const canvas = document.getElementById("dessin");
  const pen = canvas.getContext("2d");
  let strokes = [];
  let current = null;
  let photo = null;
  let recording = null;
  let sound = null;

  const STATES = {
    received: "Reçu — la carte le lit…",
    pending: "Reçu — en attente d'un modérateur",
    shown: "Reçu — il arrive sur la carte", pinned: "Reçu, mis en avant",
    hidden: "Retiré de la projection", rejected: "Non retenu par les modérateurs",
    refused: "Non pris par la carte",
  };
  const KEPT = "carte-envois";  // this phone's sends, kept across reloads
  const FINAL = ["rejected", "refused", "hidden"];

  function genre() { return form.querySelector("input[name=genre]:checked").value; }

  function show(kind) {
    for (const section of form.querySelectorAll("section[data-genre]")) {
      section.hidden = section.dataset.genre !== kind;
    }
  }
  for (const choice of form.querySelectorAll("input[name=genre]")) {
    choice.addEventListener("change", () => show(genre()));
  }

  function say(text, kind) {
    message.textContent = text;
    message.className = "message " + (kind || "");
  }

  // -- drawing: pointer events (finger, pen or mouse), points in 0..1 -----------------------
  function ink(from, to) {
    pen.strokeStyle = "#f4e6c8";
    pen.lineCap = "round";
    pen.lineWidth = 2 + 14 * to[2];
    pen.beginPath();
    pen.moveTo(from[0] * canvas.width, from[1] * canvas.height);
    pen.lineTo(to[0] * canvas.width, to[1] * canvas.height);
    pen.stroke();
  }
  function point(event) {
    const box = canvas.getBoundingClientRect();
    const x = Math.min(Math.max((event.clientX - box.left) / box.width, 0), 1);
    const y = Math.min(Math.max((event.clientY - box.top) / box.height, 0), 1);
    const pressure = event.pressure > 0 && event.pointerType !== "mouse" ? event.pressure : 0.5;
    return [Math.round(x * 1e4) / 1e4, Math.round(y * 1e4) / 1e4,
            Math.round(pressure * 100) / 100];
  }
  canvas.addEventListener("pointerdown", (event) => {
    event.preventDefault();
    canvas.setPointerCapture(event.pointerId);
    current = [point(event)];
    strokes.push(current);
  });
  canvas.addEventListener("pointermove", (event) => {
    if (!current) return;
    const next = point(event);
    const last = current[current.length - 1];
    if (Math.hypot(next[0] - last[0], next[1] - last[1]) < 0.004) return;  // same place
    ink(last, next);
    current.push(next);
  });
  for (const end of ["pointerup", "pointercancel", "lostpointercapture"]) {
    canvas.addEventListener(end, () => { current = null; });
  }
  document.getElementById("effacer").addEventListener("click", () => {
    strokes = [];
    pen.clearRect(0, 0, canvas.width, canvas.height);
  });

  // -- photo ---------------------------------------------------------------------------------
  const preview = document.getElementById("apercu");
  const photoName = document.getElementById("photo-nom");
  const UNSEEN = "Photo prête à envoyer (ce navigateur ne sait pas l'afficher ici ; la " +
                 "carte, elle, la lira).";
  // A phone's HEIC photo is sent as it is; this browser may not be able to show it.
  preview.addEventListener("error", () => {
    if (!photo) return;
    preview.hidden = true;
    photoName.textContent = UNSEEN;
  });
  for (const input of [document.getElementById("prise"), document.getElementById("choix")]) {
    input.addEventListener("change", () => {
      photo = input.files && input.files[0] ? input.files[0] : null;
      preview.hidden = true;
      if (!photo) { photoName.textContent = ""; return; }
      const heic = /\.(heic|heif)$/i.test(photo.name) || /hei[cf]/i.test(photo.type);
      if (photo.type.startsWith("image/") && !heic) {
        photoName.textContent = "Photo prête à envoyer.";
        preview.src = URL.createObjectURL(photo);
        preview.hidden = false;
      } else {
        photoName.textContent = heic ? UNSEEN : "Fichier prêt à envoyer : " + photo.name;
      }
    });
  }

  // -- sound (only where the browser can record) --------------------------------------------
  const record = document.getElementById("enregistrer");
  const stop = document.getElementById("arreter");
  const listen = document.getElementById("ecoute");
  const soundState = document.getElementById("son-etat");
  if (!window.MediaRecorder || !navigator.mediaDevices) {
    document.getElementById("genre-son").hidden = true;
  }
  record.addEventListener("click", async () => {
    try {
      const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
      const chunks = [];
      recording = new MediaRecorder(stream);
      recording.addEventListener("dataavailable", (e) => chunks.push(e.data));
      recording.addEventListener("stop", () => {
        stream.getTracks().forEach((t) => t.stop());
        sound = new Blob(chunks, { type: recording.mimeType || "audio/webm" });
        listen.src = URL.createObjectURL(sound);
        listen.hidden = false;
        soundState.textContent = "Son enregistré, prêt à envoyer.";
        record.disabled = false;
        stop.disabled = true;
      });
      recording.start();
      record.disabled = true;
      stop.disabled = false;
      soundState.textContent = "Enregistrement…";
      setTimeout(() => { if (recording && recording.state === "recording") recording.stop(); },
                 30000);
    } catch (error) {
      soundState.textContent = "Le micro n'est pas accessible sur ce téléphone.";
    }
  });
  stop.addEventListener("click", () => { if (recording) recording.stop(); });

  // -- sending -------------------------------------------------------------------------------
  function body() {
    const data = new FormData();
    const kind = genre();
    if (kind === "text") data.append("text", document.getElementById("texte").value);
    if (kind === "keywords") data.append("keywords", document.getElementById("mots").value);
    if (kind === "photo" && photo) data.append("file", photo, "photo");
    if (kind === "strokes" && strokes.length) data.append("strokes", JSON.stringify(strokes));
    if (kind === "sound" && sound) data.append("file", sound, "son");
    for (const name of ["theme", "sequence", "parcours", "author"]) {
      const value = form.elements[name].value.trim();
      if (value) data.append(name, value);
    }
    return data;
  }

  // -- this phone's sends: kept in local storage, followed while the page is open ---------
  function kept() {
    try { return JSON.parse(localStorage.getItem(KEPT) || "[]"); } catch (error) { return []; }
  }
  function keep(sends) {
    try { localStorage.setItem(KEPT, JSON.stringify(sends.slice(0, 50))); } catch (error) { /* full */ }
  }
  function said(info) {
    if (info.on_carte) return "Sur la carte !";
    const words = STATES[info.state] || "Reçu";
    return info.reason ? words + " : " + info.reason : words;
  }
  function show_sent(send) {
    const item = document.createElement("li");
    const what = document.createElement("span");
    const state = document.createElement("span");
    what.textContent = send.label + " — ";
    state.className = "etat";
    state.textContent = send.said || STATES.received;
    item.append(what, state);
    sent.append(item);
    if (!send.done) follow(send.id, state);
  }
  function remember(id, label) {
    keep([{ id, label, said: STATES.received, done: false }, ...kept().filter((s) => s.id !== id)]);
    sent.replaceChildren();
    kept().forEach(show_sent);
  }
  function note(id, words, done) {
    keep(kept().map((s) => (s.id === id ? { ...s, said: words, done } : s)));
  }

  // Asks until the send is on the carte or decided, backing off (2 s up to 30 s), and
  // only while the page is seen: a pocketed phone asks again when it is looked at.
  async function follow(id, state) {
    let wait = 2000;
    for (;;) {
      if (document.visibilityState === "hidden") {
        await new Promise((resolve) => document.addEventListener("visibilitychange", resolve,
                                                                 { once: true }));
      }
      try {
        const answer = await fetch("/api/contributions/" + encodeURIComponent(id));
        if (answer.status === 404) { state.textContent = "Inconnu de la carte"; note(id, state.textContent, true); return; }
        if (answer.ok) {
          const info = await answer.json();
          const words = said(info);
          const done = info.on_carte || FINAL.includes(info.state);
          if (words !== state.textContent) wait = 2000;
          state.textContent = words;
          note(id, words, done);
          if (done) return;
        }
      } catch (error) { /* the Wi-Fi came and went: ask again */ }
      await new Promise((resolve) => setTimeout(resolve, wait));
      wait = Math.min(wait * 1.5, 30000);
    }
  }
  kept().forEach(show_sent);

  const LABELS = { text: "Texte", keywords: "Mots-clés", photo: "Photo", strokes: "Dessin",
                   sound: "Son" };
  function label(kind) {
    const at = new Date().toLocaleTimeString("fr-FR", { hour: "2-digit", minute: "2-digit" });
    const words = kind === "text" ? document.getElementById("texte").value
      : kind === "keywords" ? document.getElementById("mots").value : "";
    const excerpt = words.trim().slice(0, 40);
    return `${LABELS[kind]} (${at})` + (excerpt ? ` « ${excerpt}${words.trim().length > 40 ? "…" : ""} »` : "");
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = body();
    const kind = genre();
    const sending = label(kind);
    if (![...data.keys()].some((k) => ["text", "keywords", "file", "strokes"].includes(k))) {
      say("Écrivez, photographiez, dessinez ou enregistrez d'abord quelque chose.", "erreur");
      return;
    }
    const button = document.getElementById("envoyer");
    button.disabled = true;
    say("Envoi en cours…");
    try {
      let answer = await fetch("/api/contributions", { method: "POST", body: data });
      // Busy (429, 503): wait as long as the carte says, then send again by itself.
      for (let turn = 0; turn < 5 && [429, 503].includes(answer.status); turn += 1) {
        const seconds = Math.min(Number(answer.headers.get("Retry-After")) || 10, 60);
        say(`La carte reçoit beaucoup : nouvel envoi dans ${seconds} s…`);
        await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
        say("Envoi en cours…");
        answer = await fetch("/api/contributions", { method: "POST", body: data });
      }
      const info = await answer.json();
      if (answer.status === 202) {
        say(info.moderated ? "Reçu ! Un modérateur va le regarder."
                           : "Reçu ! Il arrive sur la carte.", "ok");
        remember(info.id, sending);
        form.reset();
        show("text");
        strokes = [];
        pen.clearRect(0, 0, canvas.width, canvas.height);
        photo = sound = null;
        preview.hidden = listen.hidden = true;
      } else {
        say(info.error || "L'envoi n'a pas abouti ; réessayez.", "erreur");
      }
    } catch (error) {
      say("Pas de réponse de la carte : vérifiez le Wi-Fi et réessayez.", "erreur");
    } finally {
      button.disabled = false;
    }
  });
})();
