// Every signed-in page: install the service worker (sw.js), which keeps the forms used at
// the door (record, consent, refer) on this phone for when there is no network; and, on
// signing out, forget those copies (they show who was signed in) and warn of everything
// recorded here and not sent yet: visits, visits not made, consent acts, referrals.
"use strict";
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
    // Counted by kind, as outbox.js keeps them (an item with none is a visit).
    const nouns = {
      visit: ["visit", "visits"],
      missed: ["visit not made", "visits not made"],
      consent: ["consent act", "consent acts"],
      referral: ["referral", "referrals"],
    };
    const by = new Map();
    for (const item of waiting) {
      const noun = nouns[(item && item.kind) || "visit"] || ["item", "items"];
      by.set(noun, (by.get(noun) || 0) + 1);
    }
    const parts = [...by].map(([noun, n]) => `${n} ${noun[n === 1 ? 0 : 1]}`);
    const list = parts.length > 1 ? `${parts.slice(0, -1).join(", ")} and ${parts.at(-1)}` : parts[0];
    if (
      waiting.length &&
      !window.confirm(
        `${list} ${waiting.length === 1 ? "is" : "are"} kept on this phone and not sent yet. ` +
          "They stay here, and are sent once you sign in again with the network on. Sign out?",
      )
    ) {
      return;
    }
    if (window.caches) await caches.delete("doorstep-pages").catch(() => false);
    out.submit();
  });
})();
