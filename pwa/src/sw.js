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
  denylist: [/^\/api\//, /^\/docs/, /^\/openapi\.json/, /^\/healthz/],
}));

// Tiles of any provider: cache first, at most 3000 tiles for 30 days. Opaque (cross-origin) replies
// are accepted because tile servers rarely send CORS headers.
registerRoute(({ request, url }) => request.destination === 'image' && !url.pathname.startsWith('/api/')
  && url.origin !== self.location.origin, new CacheFirst({
  cacheName: 'gridpatrol-tiles',
  plugins: [new CacheableResponsePlugin({ statuses: [0, 200] }),
            new ExpirationPlugin({ maxEntries: 3000, maxAgeSeconds: 30 * 24 * 3600, purgeOnQuotaError: true })],
}));

self.addEventListener('message', (event) => {
  if (event.data?.type === 'SKIP_WAITING') self.skipWaiting();
});

self.addEventListener('sync', (event) => {
  if (event.tag !== 'gridpatrol-outbox') return;
  event.waitUntil(drain().then(async (summary) => {
    for (const client of await self.clients.matchAll()) client.postMessage({ type: 'outbox-sync', summary });
    // Still waiting: reject so the browser schedules the sync again later.
    if (summary.offline || summary.waiting) throw new Error('outbox not empty yet');
  }));
});
