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
    pending: "Reçu — en attente d'un modérateur",
    shown: "Reçu", pinned: "Reçu, mis en avant", hidden: "Retiré de la projection",
    rejected: "Non retenu par les modérateurs",
  };

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
    ink(current[current.length - 1], next);
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
  for (const input of [document.getElementById("prise"), document.getElementById("choix")]) {
    input.addEventListener("change", () => {
      photo = input.files && input.files[0] ? input.files[0] : null;
      document.getElementById("photo-nom").textContent = photo ? "Photo prête à envoyer." : "";
      if (photo && photo.type.startsWith("image/")) {
        preview.src = URL.createObjectURL(photo);
        preview.hidden = false;
      } else {
        preview.hidden = true;
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

  function remember(id, label) {
    const item = document.createElement("li");
    const what = document.createElement("span");
    const state = document.createElement("span");
    what.textContent = label + " — ";
    state.className = "etat";
    item.append(what, state);
    sent.prepend(item);
    follow(id, state);
  }

  async function follow(id, state) {
    for (let turn = 0; turn < 200; turn += 1) {
      try {
        const answer = await fetch("/api/contributions/" + encodeURIComponent(id));
        if (answer.ok) {
          const info = await answer.json();
          state.textContent = info.on_carte ? "Sur la carte !" : (STATES[info.state] || "Reçu");
          if (info.state === "rejected" && info.reason) state.textContent += " : " + info.reason;
          if (info.on_carte || info.state === "rejected") return;
        }
      } catch (error) { /* the Wi-Fi came and went: ask again */ }
      await new Promise((resolve) => setTimeout(resolve, 2500));
    }
  }

  const LABELS = { text: "Texte", keywords: "Mots-clés", photo: "Photo", strokes: "Dessin",
                   sound: "Son" };
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = body();
    const kind = genre();
    if (![...data.keys()].some((k) => ["text", "keywords", "file", "strokes"].includes(k))) {
      say("Écrivez, photographiez, dessinez ou enregistrez d'abord quelque chose.", "erreur");
      return;
    }
    const button = document.getElementById("envoyer");
    button.disabled = true;
    say("Envoi en cours…");
    try {
      const answer = await fetch("/api/contributions", { method: "POST", body: data });
      const info = await answer.json();
      if (answer.status === 202) {
        say(info.state === "pending" ? "Reçu ! Un modérateur va le regarder."
                                     : "Reçu ! Il arrive sur la carte.", "ok");
        remember(info.id, LABELS[kind]);
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
