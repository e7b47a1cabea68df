// Every signed-in page: install the service worker (sw.js), which keeps the forms used at
// the door (record, consent, refer) on this phone for when there is no network; and, on
// signing out, forget those copies (they show who was signed in) and warn of everything
// recorded here and not sent yet: visits, visits not made, consent acts, referrals.
"use strict";
// A required box holding only spaces is an empty one (the server drops it as such): emptied
// as its form is sent, so the browser's own check stops the form on the page, with what was
// typed in the other boxes, rather than the server refusing it. Sending by Enter is a click
// on the form's button too.
document.addEventListener(
  "click",
  (ev) => {
    const button = ev.target instanceof Element ? ev.target.closest("button, input[type=submit]") : null;
    if (!button || !button.form) return;
    for (const box of button.form.querySelectorAll("input[required], textarea[required]")) {
      if (box.value !== "" && box.value.trim() === "") box.value = "";
    }
  },
  true,
);

// An area's box offers the account's areas to pick (the page's <datalist id="areas">). Where
// that list was cut short (a region's tens of thousands of villages: data-more), the areas
// matching what is typed are asked for as it is typed, and the page's list comes back when
// the box is emptied. With no network, the page's list stays.
(() => {
  const list = document.getElementById("areas");
  if (!list || !list.dataset.more) return;
  const first = [...list.options].map((o) => [o.value, o.textContent]);
  const show = (areas) =>
    list.replaceChildren(
      ...areas.map(([code, name]) => {
        const option = document.createElement("option");
        option.value = code;
        option.textContent = name;
        return option;
      }),
    );
  let asked = 0;
  let timer;
  const ask = async (typed) => {
    const mine = ++asked;
    if (!typed) return show(first);
    try {
      const answer = await fetch(`${list.dataset.more}?${new URLSearchParams({ q: typed })}`, {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      });
      if (!answer.ok) return;
      const areas = await answer.json();
      if (mine === asked) show(areas);
    } catch (e) {
      // No network: the page's own list stays offered.
    }
  };
  for (const box of document.querySelectorAll('input[list="areas"]')) {
    box.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(() => ask(box.value.trim()), 200);
    });
  }
})();

(() => {
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/sw.js").catch(() => {});
  }
  const out = document.getElementById("sign-out");
  if (!out) return;
  out.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    let waiting = [];
    try {
      waiting = JSON.parse(localStorage.getItem("doorstep.outbox.v1") || "[]");
      if (!Array.isArray(waiting)) waiting = [];
    } catch (e) {
      waiting = [];
    }
    // The page's words (base.html), in its language; {name} filled in by fmt.
    const W = JSON.parse(document.getElementById("site-words").textContent);
    const fmt = (text, values) => text.replace(/\{(\w+)\}/g, (m, k) => (k in values ? values[k] : m));
    // Counted by kind, as outbox.js keeps them (an item with none is a visit).
    const by = new Map();
    for (const item of waiting) {
      const noun = W.nouns[(item && item.kind) || "visit"] || W.nouns.item;
      by.set(noun, (by.get(noun) || 0) + 1);
    }
    const parts = [...by].map(([noun, n]) => fmt(W.count, { n, noun: noun[n === 1 ? 0 : 1] }));
    const list =
      parts.length > 1 ? fmt(W.and, { first: parts.slice(0, -1).join(W.comma), last: parts.at(-1) }) : parts[0];
    const asked = fmt(waiting.length === 1 ? W.confirm_one : W.confirm_many, { list });
    if (waiting.length && !window.confirm(asked)) {
      return;
    }
    if (window.caches) await caches.delete("doorstep-pages").catch(() => false);
    out.submit();
  });
})();
