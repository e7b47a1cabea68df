// Every signed-in page: install the service worker (sw.js), which keeps the record form
// on this phone for when there is no network; and, on signing out, forget that copy (it
// shows who was signed in) and warn of visits recorded here and not sent yet.
"use strict";
(() => {
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/sw.js").catch(() => {});
  }
  const out = document.getElementById("sign-out");
  if (!out) return;
  out.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    let waiting = 0;
    try {
      waiting = JSON.parse(localStorage.getItem("doorstep.outbox.v1") || "[]").length;
    } catch (e) {
      waiting = 0;
    }
    if (
      waiting &&
      !window.confirm(
        `${waiting} visit${waiting === 1 ? " is" : "s are"} kept on this phone and not sent yet. ` +
          "They stay here, and are sent once you sign in again with the network on. Sign out?",
      )
    ) {
      return;
    }
    if (window.caches) await caches.delete("doorstep-pages").catch(() => false);
    out.submit();
  });
})();
