// The phone's outbox, on each page whose form works with no network (the record form,
// consent, refer): what is recorded with no network, or once the sign-in has lapsed, is
// kept on this phone (in localStorage) under the id the page gave it, and sent when it can
// be. Sent again under that id, Doorstep records it once, so a send whose answer was lost
// is tried again safely. Each kept item says what it is (kind: visit, missed, consent,
// referral) and where it goes (url); one kept before kinds were (none) is a visit, sent to
// /record/sync. Any of these pages sends everything waiting, whichever page kept it.
// Without scripts the forms post to /record, /record/missed, /consent and /refer.
"use strict";
(() => {
  const OUTBOX = "doorstep.outbox.v1";
  const REFUSED = "doorstep.refused.v1";
  const RETRY_MS = 30000;
  const $ = (id) => document.getElementById(id);
  if (!$("outbox")) return;
  // The page's words (_partials/outbox.html), in its language; {name} filled in by fmt.
  const W = JSON.parse($("outbox-words").textContent);
  const fmt = (text, values) => text.replace(/\{(\w+)\}/g, (m, k) => (k in values ? values[k] : m));
  const labelOf = (code) => W.labels[code] || String(code).replaceAll("_", " ");

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

  const codeWords = (codes) => codes.map(labelOf).join(W.comma);
  const orNull = (v) => v || null;

  // What each kind of kept item is: where it goes unless it says, what is sent, how it is
  // listed, whether the answer says it was recorded already, and what the page then says.
  const KINDS = {
    visit: {
      url: "/record/sync",
      noun: W.nouns.visit,
      what: W.what.visit,
      body: (v) => ({
        visit_id: v.visit_id,
        household: v.household,
        visitor: v.visitor,
        start: v.start,
        end: orNull(v.end),
        note: orNull(v.note),
        // Nothing ticked states no codes, as the form without scripts does.
        activities: v.activities && v.activities.length ? v.activities : null,
        outcomes: v.outcomes && v.outcomes.length ? v.outcomes : null,
      }),
      again: (answer) => !answer.recorded,
      details: (v) =>
        v.end && v.end !== v.start
          ? fmt(W.visit_details_span, { visitor: v.visitor, start: v.start, end: v.end })
          : fmt(W.visit_details, { visitor: v.visitor, start: v.start }),
      done(v, got) {
        const first = got.kind === "recorded" ? W.recorded : W.recorded_already;
        const from = got.answer.planned_from;
        const planned = from ? fmt(W.planned_from, { day: from }) : "";
        const did = v.activities && v.activities.length ? fmt(W.did, { codes: codeWords(v.activities) }) : "";
        const came = v.outcomes && v.outcomes.length ? fmt(W.came, { codes: codeWords(v.outcomes) }) : "";
        const said = fmt(W.visit_done, {
          first,
          visitor: v.visitor,
          household: v.household,
          start: v.start,
          end: v.end || v.start,
          planned,
          id: got.answer.visit_id,
        });
        return `${said}${did}${came}`;
      },
      kept: (v) => fmt(W.visit_kept, { household: v.household }),
    },
    missed: {
      url: "/record/missed/sync",
      noun: W.nouns.missed,
      what: W.what.missed,
      body: (v) => ({ household: v.household, visitor: v.visitor, start: v.start }),
      again: (answer) => answer.already,
      details: (v) => fmt(W.missed_details, { visitor: v.visitor, start: v.start }),
      done(v, got) {
        const first = got.kind === "recorded" ? W.marked_missed : W.marked_missed_already;
        return fmt(W.missed_done, { first, visitor: v.visitor, household: v.household, start: v.start });
      },
      kept: (v) => fmt(W.missed_kept, { household: v.household, start: v.start }),
    },
    consent: {
      url: "/consent/sync",
      noun: W.nouns.consent,
      what: W.what.consent,
      body: (v) => ({
        client_id: v.client_id,
        household: v.household,
        state: v.state,
        evidence: v.evidence,
        on: orNull(v.on),
      }),
      again: (answer) => answer.already,
      details: (v) =>
        fmt(v.on ? W.consent_details_on : W.consent_details, {
          state: labelOf(v.state),
          on: v.on,
          evidence: v.evidence,
        }),
      done(v, got) {
        const a = got.answer;
        const first = got.kind === "recorded" ? W.recorded : W.recorded_already;
        const was = fmt(a.was_since ? W.consent_was_since : W.consent_was, {
          state: labelOf(a.was),
          since: a.was_since,
        });
        const notes = (a.notes || []).map((n) => ` ${n}`).join("");
        const said = fmt(W.consent_done, {
          first,
          household: a.household,
          state: labelOf(a.state),
          since: a.since,
          was,
        });
        return `${said}${notes}`;
      },
      kept: (v) => fmt(W.consent_kept, { household: v.household }),
    },
    referral: {
      url: "/refer/sync",
      noun: W.nouns.referral,
      what: W.what.referral,
      body: (v) => ({
        client_id: v.client_id,
        household: v.household,
        organisation: v.organisation,
        service: v.service,
        made_on: orNull(v.made_on),
        visitor: orNull(v.visitor),
      }),
      again: (answer) => answer.already,
      details: (v) =>
        fmt(v.made_on ? W.referral_details_on : W.referral_details, {
          organisation: v.organisation,
          service: labelOf(v.service),
          on: v.made_on,
        }),
      done(v, got) {
        const said = got.kind === "recorded" ? W.referral_done : W.referral_done_again;
        return fmt(said, { id: got.answer.id, household: got.answer.household, organisation: v.organisation });
      },
      kept: (v) => fmt(W.referral_kept, { household: v.household, organisation: v.organisation }),
    },
  };
  // A kind this page does not know (kept by a newer page) waits, untouched.
  const kindOf = (item) => KINDS[item.kind || "visit"];
  const keyOf = (item) => item.visit_id || item.client_id;
  const without = (items, item) => items.filter((v) => keyOf(v) !== keyOf(item));

  // "1 kept visit", "3 kept: 2 visits and 1 referral": the items, counted by kind.
  function counted(items) {
    const by = new Map();
    for (const item of items) {
      const noun = (kindOf(item) || { noun: W.nouns.item }).noun;
      by.set(noun, (by.get(noun) || 0) + 1);
    }
    const n = items.length;
    if (by.size < 2) {
      const noun = by.size ? [...by.keys()][0] : W.nouns.item;
      return fmt(W.kept_one_kind, { n, noun: noun[n === 1 ? 0 : 1] });
    }
    const parts = [...by].map(([noun, k]) => fmt(W.count, { n: k, noun: noun[k === 1 ? 0 : 1] }));
    const list = fmt(W.and, { first: parts.slice(0, -1).join(W.comma), last: parts.at(-1) });
    return fmt(W.kept_kinds, { n, list });
  }

  function rowOf(item, last) {
    const tr = document.createElement("tr");
    const kind = kindOf(item);
    const shown = kind ? [kind.what, item.household, kind.details(item)] : ["?", item.household, ""];
    for (const t of [...shown, last]) cell(tr, t);
    return tr;
  }

  function draw() {
    const waiting = load(OUTBOX);
    $("outbox").hidden = waiting.length === 0;
    $("outbox-rows").replaceChildren(...waiting.map((v) => rowOf(v, v.kept_at)));
    const refused = load(REFUSED);
    $("refused").hidden = refused.length === 0;
    $("refused-rows").replaceChildren(
      ...refused.map((v) => {
        const tr = rowOf(v, v.why);
        const drop = document.createElement("button");
        drop.type = "button";
        drop.textContent = W.remove;
        drop.addEventListener("click", () => {
          store(REFUSED, without(load(REFUSED), v));
          draw();
        });
        cell(tr, "").appendChild(drop);
        return tr;
      }),
    );
    if ($("offline")) $("offline").hidden = navigator.onLine !== false;
    // A planned visit gone by that waits here, marked not made, is no longer to settle.
    const isMissed = (v) => v.kind === "missed";
    const waitingMissed = new Set(waiting.filter(isMissed).map((v) => `${v.household}|${v.start}`));
    for (const f of document.querySelectorAll("form.missed")) {
      const kept = waitingMissed.has(`${f.elements.household.value}|${f.elements.start.value}`);
      f.querySelector("button").disabled = kept;
      f.querySelector("button").textContent = kept ? W.not_made_kept : W.not_made;
    }
  }

  // One send: "recorded", "already" (sent before), "refused" (with why), "signin" (the
  // cookie has lapsed) or "unreachable" (no network, or the server could not answer now).
  async function send(item) {
    const kind = kindOf(item);
    let r;
    try {
      r = await fetch(item.url || kind.url, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify(kind.body(item)),
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
    if (r.ok) return { kind: kind.again(answer) ? "already" : "recorded", answer };
    if (r.status === 401) return { kind: "signin" };
    if (r.status >= 500 || r.status === 408 || r.status === 429) return { kind: "unreachable" };
    return { kind: "refused", why: answer.detail || `${r.status} ${r.statusText}` };
  }

  let flushing = false;
  async function flush() {
    if (flushing) return;
    flushing = true;
    const sent = [];
    let stopped = "";
    try {
      for (const item of load(OUTBOX)) {
        if (!kindOf(item)) continue;
        const got = await send(item);
        if (got.kind === "unreachable" || got.kind === "signin") {
          stopped = got.kind;
          break;
        }
        store(OUTBOX, without(load(OUTBOX), item));
        if (got.kind === "refused") {
          store(REFUSED, [...load(REFUSED), { ...item, why: got.why }]);
        } else {
          sent.push(item);
          if (item.kind === "missed") settled(item);
        }
      }
    } finally {
      flushing = false;
    }
    const left = load(OUTBOX).length;
    const parts = [];
    if (sent.length) parts.push(fmt(W.sent, { counted: counted(sent) }));
    if (stopped === "signin") parts.push(W.sign_in_rest);
    else if (left) parts.push(fmt(W.waiting, { n: left }));
    $("outbox-said").textContent = parts.join(" ");
    if (sent.length && !left) say("done", parts[0]);
    draw();
  }

  // A form whose acts wait in the outbox when they cannot be sent: ``read`` gives the item
  // (with its id) from the form's data; ``field`` names the hidden id; ``cleared`` the
  // fields a new act starts without; ``dated`` the day field a kept act is given (the
  // phone's today: sent later, the server's today would be another day).
  function outboxForm(form, { read, field, cleared, dated }) {
    const fresh = () => {
      form.elements[field].value = newId();
    };
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const item = { ...read(new FormData(form)), url: form.dataset.sync };
      item[field] = item[field] || newId();
      const kind = kindOf(item);
      const button = form.querySelector("button");
      button.disabled = true;
      try {
        const got = await send(item);
        if (got.kind === "refused") {
          say("error", got.why);
          return;
        }
        if (got.kind === "recorded" || got.kind === "already") {
          say("done", kind.done(item, got));
        } else {
          if (dated && !item[dated]) item[dated] = localDay();
          store(OUTBOX, [...load(OUTBOX), { ...item, kept_at: new Date().toLocaleString() }]);
          const what = kind.kept(item);
          say(
            "note",
            fmt(got.kind === "signin" ? W.kept_sign_in : W.kept_offline, { what }),
          );
        }
        for (const name of cleared) if (form.elements[name]) form.elements[name].value = "";
        for (const box of form.querySelectorAll("input[type=checkbox]")) box.checked = false;
        fresh();
        draw();
      } finally {
        button.disabled = false;
      }
    });
    // The page may come from the phone's copy (the service worker's), drawn on another
    // day for another household: the id, the household asked for and today are this
    // act's own.
    fresh();
    const query = new URLSearchParams(location.search);
    for (const name of ["household", "start", "end"]) {
      if (form.elements[name] && query.get(name) !== null) form.elements[name].value = query.get(name).trim();
    }
    const today = localDay();
    for (const input of form.querySelectorAll("input[type=date]")) {
      if (input.max && input.max < today) input.max = today;
    }
  }

  const text = (data, name) => String(data.get(name) || "").trim();

  const recordForm = $("record-form");
  if (recordForm) {
    outboxForm(recordForm, {
      field: "visit_id",
      cleared: ["household", "start", "end", "note"],
      read: (data) => ({
        kind: "visit",
        visit_id: data.get("visit_id"),
        household: text(data, "household"),
        visitor: text(data, "visitor"),
        start: data.get("start"),
        end: data.get("end") || "",
        note: String(data.get("note") || ""),
        activities: data.getAll("activity").map(String),
        outcomes: data.getAll("outcome").map(String),
      }),
    });
  }
  const consentForm = $("consent-form");
  if (consentForm) {
    outboxForm(consentForm, {
      field: "client_id",
      cleared: ["household", "evidence", "on"],
      dated: "on",
      read: (data) => ({
        kind: "consent",
        client_id: data.get("client_id"),
        household: text(data, "household"),
        state: data.get("state"),
        evidence: text(data, "evidence"),
        on: data.get("on") || "",
      }),
    });
  }
  const referForm = $("refer-form");
  if (referForm) {
    outboxForm(referForm, {
      field: "client_id",
      cleared: ["household", "organisation", "made_on"],
      dated: "made_on",
      read: (data) => ({
        kind: "referral",
        client_id: data.get("client_id"),
        household: text(data, "household"),
        organisation: text(data, "organisation"),
        service: data.get("service"),
        made_on: data.get("made_on") || "",
        visitor: text(data, "visitor"),
      }),
    });
  }

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
        url: f.dataset.sync,
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
        say("done", KINDS.missed.done(visit, got));
        settled(visit);
        return;
      }
      store(OUTBOX, [...load(OUTBOX), { ...visit, kept_at: new Date().toLocaleString() }]);
      say("note", fmt(W.missed_offline, { what: KINDS.missed.kept(visit) }));
      draw();
    });
  }

  $("send-now").addEventListener("click", flush);
  window.addEventListener("online", flush);
  window.addEventListener("offline", draw);
  setInterval(() => {
    if (load(OUTBOX).length) flush();
  }, RETRY_MS);

  draw();
  if (load(OUTBOX).length) flush();
})();
