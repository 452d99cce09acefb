// The offline snapshot of the cabinet (docs/offline.md). Scope /cabinet (Service-Worker-Allowed, vez/static.py).
// Network first, always: a kept copy is shown only when the network fails, and only for the pages the server
// marked as keepable (the Vez-Snapshot-Owner header: the cabinet, an account, its newest bill and that bill's PDF).
// The snapshot belongs to one login (the owner key) and lives as long as this browser's login could (the
// Vez-Snapshot-Until header); another login's page, a page that came back as the login form, or the end of that
// time wipes it. Nothing else is touched: POSTs, htmx requests, payments, the profile go to the network as they are.
"use strict";

const CACHE = "vez-snapshot";
const META = "/cabinet/.snapshot"; // a cache key only, never a route: the owner and the end of the login
const PAGE = /^\/cabinet(\/accounts\/[^/]+(\/bills\/\d{4}-\d{2}(\.pdf)?)?)?$/;
const BILL = /^(\/cabinet\/accounts\/[^/]+\/bills\/)(\d{4}-\d{2})(\.pdf)?$/;

function keepable(url) {
  return url.origin === self.location.origin && !url.search && PAGE.test(url.pathname);
}

async function wipe() {
  const names = await caches.keys();
  await Promise.all(names.filter((n) => n.startsWith(CACHE)).map((n) => caches.delete(n)));
}

// What the snapshot says of itself ({owner, until}), or null when there is none; reading never creates a cache.
async function meta() {
  if (!(await caches.has(CACHE))) return null;
  const kept = await (await caches.open(CACHE)).match(META);
  return kept ? kept.json() : null;
}

// A newer bill of an account replaces the older one: only the newest is kept, with its PDF.
async function dropOlderBills(cache, url) {
  const bill = BILL.exec(url.pathname);
  if (!bill) return;
  for (const request of await cache.keys()) {
    const other = BILL.exec(new URL(request.url).pathname);
    if (other && other[1] === bill[1] && other[2] !== bill[2]) await cache.delete(request);
  }
}

// `onlyIfKept`: a bill fetched in the background is put only while the snapshot it belongs to still stands (a
// logout may wipe it meanwhile: nothing of the login is written back after that).
async function remember(request, response, onlyIfKept = false) {
  const url = new URL(request.url);
  const owner = response.headers.get("Vez-Snapshot-Owner");
  const until = Number(response.headers.get("Vez-Snapshot-Until"));
  if (!owner) {
    // The cabinet answered with another page (the login form: the session ended) or a refusal: nothing is kept.
    // (A navigation's redirect comes back opaque: the browser follows it itself.)
    const moved = response.redirected || response.type === "opaqueredirect";
    if (moved || response.status === 401 || response.status === 403) await wipe();
    else if (response.status === 404 && (await caches.has(CACHE))) await (await caches.open(CACHE)).delete(url.pathname);
    return;
  }
  if (!response.ok || !until) return;
  const headers = new Headers(response.headers);
  headers.set("Vez-Fetched-At", new Date().toISOString());
  let body = await response.arrayBuffer();
  if ((headers.get("Content-Type") || "").startsWith("text/html")) {
    // The page's offline note (partials/_offline.html) learns that it is the kept copy.
    body = new TextDecoder().decode(body).replace('data-snapshot="live"', 'data-snapshot="kept"');
    headers.delete("Content-Length");
  }
  let known = await meta();
  if (onlyIfKept && !known) return;
  if (known && known.owner !== owner) {
    await wipe(); // another login on this browser: the first one's snapshot is never shown to it
    known = null;
  }
  const cache = await caches.open(CACHE);
  await dropOlderBills(cache, url);
  await cache.put(url.pathname, new Response(body, { status: response.status, headers }));
  const newest = Math.max(until, known ? known.until : 0);
  const json = { headers: { "Content-Type": "application/json" } };
  await cache.put(META, new Response(JSON.stringify({ owner, until: newest }), json));
}

async function kept(request) {
  const known = await meta();
  if (!known || Date.now() / 1000 > known.until) {
    await wipe(); // no snapshot, or this browser's login has ended: its snapshot goes with it
    return null;
  }
  return (await (await caches.open(CACHE)).match(new URL(request.url).pathname)) || null;
}

async function networkFirst(event) {
  let response;
  try {
    response = await fetch(event.request);
  } catch (offline) {
    return (await kept(event.request)) || Response.error();
  }
  event.waitUntil(remember(event.request, response.clone()));
  return response;
}

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET" || request.mode !== "navigate" || !keepable(new URL(request.url))) return;
  event.respondWith(networkFirst(event));
});

// From the page script (js/offline.js): keep the page that registered the worker and the newest bills it links to.
self.addEventListener("message", (event) => {
  const data = event.data || {};
  const urls = (Array.isArray(data.keep) ? data.keep : []).map((u) => new URL(u, self.location.origin)).filter(keepable);
  event.waitUntil(
    (async () => {
      // Only the first page may start a snapshot; once it stands, a wipe meanwhile (logout) stops the rest.
      let standing = !!(await meta());
      for (const url of urls.slice(0, 20)) {
        if (standing && !(await meta())) return;
        if (standing && (await (await caches.open(CACHE)).match(url.pathname))) continue; // a month's bill stays as it was
        try {
          // Never followed to the login form: its answer would set another session cookie under the page's feet.
          const request = new Request(url.pathname, { credentials: "same-origin", redirect: "manual" });
          await remember(request, await fetch(request), standing);
          standing = true;
        } catch (offline) {
          return;
        }
      }
    })()
  );
});
