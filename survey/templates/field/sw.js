// The field app's service worker: pages and files from the network when there is one,
// from the cache the page filled (caches "{{ cache_version }}") when there is none.
// The calls to the server (/field/api/) are never answered from the cache.
const CACHE = "{{ cache_version }}";

self.addEventListener("install", () => self.skipWaiting());

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((names) => Promise.all(names.filter((n) => n.startsWith("field-") && n !== CACHE)
        .map((n) => caches.delete(n))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== location.origin || url.pathname.includes("/api/")) {
    return;
  }
  event.respondWith(
    fetch(request).catch(() =>
      caches.open(CACHE).then((cache) =>
        cache.match(request).then((found) =>
          found || (request.mode === "navigate" ? cache.match("{{ url_for('field.app_shell') }}") : undefined),
        ),
      ).then((found) => found || Response.error()),
    ),
  );
});
