// The service worker: the app shell from a versioned precache (Workbox), map tiles from a bounded
// runtime cache, and Background Sync that drains the outbox even when no page is open.
import { cleanupOutdatedCaches, createHandlerBoundToURL, precacheAndRoute } from 'workbox-precaching';
import { NavigationRoute, registerRoute } from 'workbox-routing';
import { CacheFirst } from 'workbox-strategies';
import { ExpirationPlugin } from 'workbox-expiration';
import { CacheableResponsePlugin } from 'workbox-cacheable-response';
import { drain } from './outbox.js';

precacheAndRoute(self.__WB_MANIFEST);
cleanupOutdatedCaches();

// Every in-app URL opens the shell; the API and its docs go to the network untouched.
registerRoute(new NavigationRoute(createHandlerBoundToURL('/index.html'), {
  denylist: [/^\/api\//, /^\/open311\//, /^\/docs/, /^\/openapi\.json/, /^\/healthz/, /^\/report$/],
}));

// The desk views left out of the precache (vite.config.js): fingerprinted, so the first copy is good for good.
registerRoute(({ request, url }) => request.destination === 'script' && url.origin === self.location.origin
  && url.pathname.startsWith('/assets/'), new CacheFirst({
  cacheName: 'gridpatrol-views',
  plugins: [new CacheableResponsePlugin({ statuses: [200] }), new ExpirationPlugin({ maxEntries: 60 })],
}));

// Tiles: cache first, at most 3000 for 30 days. Only CORS replies (Leaflet asks with crossOrigin):
// Chrome charges every opaque response several MB of quota, which would starve the outbox.
registerRoute(({ request, url }) => request.destination === 'image' && url.origin !== self.location.origin,
  new CacheFirst({
  cacheName: 'gridpatrol-tiles',
  plugins: [new CacheableResponsePlugin({ statuses: [200] }),
            new ExpirationPlugin({ maxEntries: 3000, maxAgeSeconds: 30 * 24 * 3600, purgeOnQuotaError: true })],
}));

self.addEventListener('message', (event) => {
  if (event.data?.type === 'SKIP_WAITING') self.skipWaiting();
});

// A tapped system notification (bell.js): the open app marks it read and shows its ticket; with no
// window open, the app starts on that ticket.
self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const { notification, url } = event.notification.data || {};
  event.waitUntil(self.clients.matchAll({ type: 'window' }).then((windows) => {
    if (!windows.length) return self.clients.openWindow(url || '/');
    windows[0].postMessage({ type: 'notification-tap', notification });
    return windows[0].focus();
  }));
});

self.addEventListener('sync', (event) => {
  if (event.tag !== 'gridpatrol-outbox') return;
  event.waitUntil(drain().then(async (summary) => {
    for (const client of await self.clients.matchAll()) client.postMessage({ type: 'outbox-sync', summary });
    // A page is sending, or items are still waiting: reject so the browser tries again later.
    if (summary.busy || summary.offline || summary.waiting) throw new Error('outbox not empty yet');
  }));
});
