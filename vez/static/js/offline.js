// The offline snapshot, the page's half (docs/offline.md); logged-in pages only (base.html). Registers the
// worker (js/sw.js), shows the "data as of" note on a kept copy or while the network is gone, disables what
// needs the network meanwhile, and wipes the snapshot before logging out. Without it nothing changes.
(function () {
  "use strict";
  var note = document.getElementById("offline-note");
  var script = document.currentScript;
  if (!note || !script || !("serviceWorker" in navigator) || !window.caches) return;
  var kept = note.getAttribute("data-snapshot") === "kept";

  function needsNetwork() {
    // Every form but the logout (which also works offline: it wipes this device's copy), and the marked links.
    return document.querySelectorAll("form:not([data-wipe-snapshot]) button, form:not([data-wipe-snapshot]) input[type=submit], a[data-needs-network]");
  }

  function show() {
    var offline = kept || !navigator.onLine;
    note.hidden = !offline;
    needsNetwork().forEach(function (el) {
      if (el.tagName === "A") {
        if (offline) el.setAttribute("aria-disabled", "true");
        else el.removeAttribute("aria-disabled");
      } else {
        el.disabled = offline;
      }
    });
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[aria-disabled=true]");
    if (link) event.preventDefault();
  });
  // A kept copy stays marked (and its forms off) even once the network is back: its data is still old, and the next
  // page opened comes from the network. It never reloads itself: Chromium may say "online" while a navigation starts.
  window.addEventListener("offline", show);
  window.addEventListener("online", show);
  show();

  function wipe() {
    var done = caches.keys().then(function (names) {
      return Promise.all(names.filter(function (n) { return n.indexOf("vez-snapshot") === 0; }).map(function (n) { return caches.delete(n); }));
    }).then(function () {
      return navigator.serviceWorker.getRegistration("/cabinet");
    }).then(function (registration) {
      return registration && registration.unregister();
    });
    var late = new Promise(function (resolve) { setTimeout(resolve, 1500); });
    return Promise.race([done, late]).catch(function () {});
  }

  document.querySelectorAll("form[data-wipe-snapshot]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      wipe().then(function () { form.submit(); });
    });
  });

  if (kept) return;
  var controlled = !!navigator.serviceWorker.controller;
  navigator.serviceWorker.register(script.getAttribute("data-worker"), { scope: "/cabinet" }).then(function () {
    return navigator.serviceWorker.ready;
  }).then(function (registration) {
    var keep = Array.prototype.map.call(document.querySelectorAll("a[data-snapshot-keep]"), function (a) { return a.href; });
    // The page that registered the worker came from the network past it: the worker fetches it once to keep it.
    if (!controlled) keep.unshift(location.href);
    if (registration.active) registration.active.postMessage({ keep: keep });
  }).catch(function () {});
})();
