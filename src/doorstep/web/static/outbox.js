// The record form's outbox: a visit recorded with no network is kept on this phone (in
// localStorage) under the id the page gave it, and sent when the network is back. Sent
// again under that id, Doorstep records it once, so a send whose answer was lost is tried
// again safely. A planned visit marked not made waits there too (kind "missed"); marked
// again, it is marked once. Without scripts the forms post to /record and /record/missed.
"use strict";
(() => {
  const OUTBOX = "doorstep.outbox.v1";
  const REFUSED = "doorstep.refused.v1";
  const RETRY_MS = 30000;
  const form = document.getElementById("record-form");
  if (!form) return;
  const sync = form.dataset.sync;
  const firstMissed = document.querySelector("form.missed");
  const missedSync = firstMissed ? firstMissed.dataset.sync : "/record/missed/sync";
  const $ = (id) => document.getElementById(id);

  const load = (key) => {
    try {
      const kept = JSON.parse(localStorage.getItem(key) || "[]");
      return Array.isArray(kept) ? kept : [];
    } catch (e) {
      return [];
    }
  };
  const store = (key, items) => localStorage.setItem(key, JSON.stringify(items));

  function newId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  function localDay() {
    const d = new Date();
    d.setMinutes(d.getMinutes() - d.getTimezoneOffset());
    return d.toISOString().slice(0, 10);
  }

  function say(kind, text) {
    const p = document.createElement("p");
    p.className = kind;
    p.textContent = text;
    $("said").replaceChildren(p);
  }

  function cell(row, text) {
    const td = document.createElement("td");
    td.textContent = text || "";
    row.appendChild(td);
    return td;
  }

  function draw() {
    const waiting = load(OUTBOX);
    $("outbox").hidden = waiting.length === 0;
    $("outbox-rows").replaceChildren(
      ...waiting.map((v) => {
        const tr = document.createElement("tr");
        const last = isMissed(v) ? "not made" : v.end || v.start;
        for (const t of [v.household, v.visitor, v.start, last, v.kept_at]) cell(tr, t);
        return tr;
      }),
    );
    const refused = load(REFUSED);
    $("refused").hidden = refused.length === 0;
    $("refused-rows").replaceChildren(
      ...refused.map((v) => {
        const tr = document.createElement("tr");
        const last = isMissed(v) ? "not made" : v.end || v.start;
        for (const t of [v.household, v.visitor, v.start, last, v.why]) cell(tr, t);
        const drop = document.createElement("button");
        drop.type = "button";
        drop.textContent = "Remove";
        drop.addEventListener("click", () => {
          store(REFUSED, load(REFUSED).filter((r) => r.visit_id !== v.visit_id));
          draw();
        });
        cell(tr, "").appendChild(drop);
        return tr;
      }),
    );
    $("offline").hidden = navigator.onLine !== false;
    // A planned visit gone by that waits here, marked not made, is no longer to settle.
    const waitingMissed = new Set(waiting.filter(isMissed).map((v) => `${v.household}|${v.start}`));
    for (const f of document.querySelectorAll("form.missed")) {
      const kept = waitingMissed.has(`${f.elements.household.value}|${f.elements.start.value}`);
      f.querySelector("button").disabled = kept;
      f.querySelector("button").textContent = kept ? "Not made (kept)" : "Not made";
    }
  }

  const isMissed = (v) => v.kind === "missed";

  // One send: "recorded", "already" (sent before), "refused" (with why), "signin" (the
  // cookie has lapsed) or "unreachable" (no network, or the server could not answer now).
  async function send(visit) {
    const url = isMissed(visit) ? missedSync : sync;
    const body = isMissed(visit)
      ? { household: visit.household, visitor: visit.visitor, start: visit.start }
      : {
      visit_id: visit.visit_id,
      household: visit.household,
      visitor: visit.visitor,
      start: visit.start,
      end: visit.end || null,
      note: visit.note || null,
      // Nothing ticked states no codes, as the form without scripts does.
      activities: visit.activities && visit.activities.length ? visit.activities : null,
      outcomes: visit.outcomes && visit.outcomes.length ? visit.outcomes : null,
    };
    let r;
    try {
      r = await fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify(body),
      });
    } catch (e) {
      return { kind: "unreachable" };
    }
    let answer = {};
    try {
      answer = await r.json();
    } catch (e) {
      answer = {};
    }
    if (r.ok) {
      const again = isMissed(visit) ? answer.already : !answer.recorded;
      return { kind: again ? "already" : "recorded", answer };
    }
    if (r.status === 401) return { kind: "signin" };
    if (r.status >= 500 || r.status === 408 || r.status === 429) return { kind: "unreachable" };
    return { kind: "refused", why: answer.detail || `${r.status} ${r.statusText}` };
  }

  function doneText(visit, got) {
    if (isMissed(visit)) {
      const first = got.kind === "recorded" ? "Marked missed" : "Marked missed already";
      return (
        `${first}: the visit of ${visit.visitor} to ${visit.household} planned from ` +
        `${visit.start}. The next plan brings the next visit forward.`
      );
    }
    const first = got.kind === "recorded" ? "Recorded" : "Recorded already";
    const planned = got.answer.planned_from ? ` (planned from ${got.answer.planned_from})` : "";
    const words = (codes) => codes.map((c) => c.replaceAll("_", " ")).join(", ");
    const did = visit.activities && visit.activities.length ? ` Did: ${words(visit.activities)}.` : "";
    const came = visit.outcomes && visit.outcomes.length ? ` Came of it: ${words(visit.outcomes)}.` : "";
    return (
      `${first} the visit of ${visit.visitor} to ${visit.household} from ${visit.start} ` +
      `to ${visit.end || visit.start}${planned}. Visit id: ${got.answer.visit_id}.${did}${came}`
    );
  }

  let flushing = false;
  async function flush() {
    if (flushing) return;
    flushing = true;
    let sent = 0;
    let stopped = "";
    try {
      for (const visit of load(OUTBOX)) {
        const got = await send(visit);
        if (got.kind === "unreachable" || got.kind === "signin") {
          stopped = got.kind;
          break;
        }
        store(OUTBOX, load(OUTBOX).filter((v) => v.visit_id !== visit.visit_id));
        if (got.kind === "refused") {
          store(REFUSED, [...load(REFUSED), { ...visit, why: got.why }]);
        } else {
          sent += 1;
          if (isMissed(visit)) settled(visit);
        }
      }
    } finally {
      flushing = false;
    }
    const left = load(OUTBOX).length;
    const parts = [];
    if (sent) parts.push(`Sent ${sent} kept visit${sent === 1 ? "" : "s"}.`);
    if (stopped === "signin") parts.push("Sign in again to send the rest.");
    else if (left) parts.push(`${left} still waiting for the network.`);
    $("outbox-said").textContent = parts.join(" ");
    if (sent && !left) say("done", parts[0]);
    draw();
  }

  function fresh() {
    $("visit_id").value = newId();
  }

  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const data = new FormData(form);
    const visit = {
      visit_id: data.get("visit_id") || newId(),
      household: String(data.get("household") || "").trim(),
      visitor: String(data.get("visitor") || "").trim(),
      start: data.get("start"),
      end: data.get("end") || "",
      note: String(data.get("note") || ""),
      activities: data.getAll("activity").map(String),
      outcomes: data.getAll("outcome").map(String),
    };
    const button = $("record");
    button.disabled = true;
    try {
      const got = await send(visit);
      if (got.kind === "refused") {
        say("error", got.why);
        return;
      }
      if (got.kind === "recorded" || got.kind === "already") {
        say("done", doneText(visit, got));
      } else {
        store(OUTBOX, [...load(OUTBOX), { ...visit, kept_at: new Date().toLocaleString() }]);
        say(
          "note",
          got.kind === "signin"
            ? `Kept on this phone: sign in again to send the visit to ${visit.household}.`
            : `No network: the visit to ${visit.household} is kept on this phone and sent when the network is back.`,
        );
      }
      for (const id of ["household", "start", "end", "note"]) $(id).value = "";
      for (const box of form.querySelectorAll("input[type=checkbox]")) box.checked = false;
      fresh();
      draw();
    } finally {
      button.disabled = false;
    }
  });

  // The row of a planned visit gone by, once marked not made: gone from the list.
  function settled(visit) {
    for (const f of document.querySelectorAll("form.missed")) {
      if (f.elements.household.value === visit.household && f.elements.start.value === visit.start) {
        f.closest("tr").remove();
      }
    }
  }

  for (const f of document.querySelectorAll("form.missed")) {
    f.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const visit = {
        kind: "missed",
        visit_id: newId(), // the outbox's key: a visit not made has no id of its own
        household: f.elements.household.value,
        visitor: f.elements.visitor.value,
        start: f.elements.start.value,
      };
      const button = f.querySelector("button");
      button.disabled = true;
      const got = await send(visit);
      if (got.kind === "refused") {
        button.disabled = false;
        say("error", got.why);
        return;
      }
      if (got.kind === "recorded" || got.kind === "already") {
        say("done", doneText(visit, got));
        settled(visit);
        return;
      }
      store(OUTBOX, [...load(OUTBOX), { ...visit, kept_at: new Date().toLocaleString() }]);
      say(
        "note",
        `No network: the visit to ${visit.household} planned from ${visit.start} is kept on ` +
          "this phone as not made, and sent when the network is back.",
      );
      draw();
    });
  }

  $("send-now").addEventListener("click", flush);
  window.addEventListener("online", flush);
  window.addEventListener("offline", draw);
  setInterval(() => {
    if (load(OUTBOX).length) flush();
  }, RETRY_MS);

  // The page may come from the phone's copy (the service worker's), drawn on another
  // day for another household: the id, the household asked for and today are this
  // visit's own.
  fresh();
  const query = new URLSearchParams(location.search);
  for (const id of ["household", "start", "end"]) {
    if (query.get(id) !== null) $(id).value = query.get(id).trim();
  }
  const today = localDay();
  for (const id of ["start", "end"]) if ($(id).max < today) $(id).max = today;
  draw();
  if (load(OUTBOX).length) flush();
})();
