// Background Sync where the browser has it (Chromium): the service worker drains the outbox even
// after the page is closed. Elsewhere the page's own triggers (start, online, visible, timer) do.
export async function requestBackgroundSync() {
  try {
    const registration = await navigator.serviceWorker?.ready;
    await registration?.sync?.register('gridpatrol-outbox');
  } catch { /* not supported or not allowed: the page's triggers cover it */ }
}
