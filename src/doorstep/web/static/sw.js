// Doorstep's service worker: keeps the forms a field visitor fills at the door (a visit,
// a household's consent, a referral) and their scripts on this phone, so they open with no
// network and keep what is recorded in the pages' outbox. Network first: online, every
// page is Doorstep's own of the moment; only the forms and their scripts are kept, never a
// list or a file of people (so not /referrals, which lists an area's: /refer is its form).
"use strict";
const CACHE = "doorstep-pages";
const KEPT = [
  "/record",
  "/consent",
  "/refer",
  "/static/outbox.js", 
  "/static/site.js",
  "/static/icon.svg",
  "/manifest.webmanifest",
];

async function keep(path, response) {
  // A page that sent the browser to sign in (a redirect) is not the form: never kept.
  if (!response.ok || response.redirected || response.type === "opaqueredirect") return;
  const cache = await caches.open(CACHE);
  await cache.put(path, response);
}

self.addEventListener("install", (event) => {
  event.waitUntil(
    Promise.all(
      KEPT.map((path) =>
        fetch(path, { credentials: "same-origin", cache: "no-store" })
          .then((r) => keep(path, r))
          .catch(() => undefined),
      ),
    ).then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(self.clients.claim());
});

async function networkFirst(request, path) {
  try {
    const response = await fetch(request);
    await keep(path, response.clone());
    return response;
  } catch (e) {
    const kept = await caches.match(path);
    if (kept) return kept;
    // No page to take its words from: the phone's own language chooses (as the header does).
    const chinese = (self.navigator.languages || [self.navigator.language || ""]).some((l) =>
      l.toLowerCase().startsWith("zh"),
    );
    const said = chinese
      ? "<html lang=zh-Hans><meta charset=utf-8><title>无网络 · Doorstep</title>" +
        "<p>无网络，本机还没有此页面的副本：请在联网时打开一次，之后无网络也能打开。</p>"
      : "<html lang=en><meta charset=utf-8><title>No network · Doorstep</title>" +
        "<p>No network, and this phone has no copy of this page yet: open it once while " +
        "online, and it opens without a network after that.</p>";
    return new Response(`<!doctype html>${said}`, {
      status: 503,
      headers: { "Content-Type": "text/html; charset=utf-8" },
    });
  }
}

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== self.location.origin) return;
  if (!KEPT.includes(url.pathname)) return;
  event.respondWith(networkFirst(event.request, url.pathname));
});
