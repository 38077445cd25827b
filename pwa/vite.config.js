import { defineConfig } from 'vite';
import { VitePWA } from 'vite-plugin-pwa';

const DESK_ONLY = ['readiness', 'coverage', 'keypoints', 'desk', 'dryrun', 'overview', 'trend', 'dispatch', 'bulletins',
                   'periods', 'drilldown', 'ledger', 'admin', 'review'];

// The API server serves dist/ at /; during `npm run dev` Vite proxies the API to it.
// The service worker is our own src/sw.js (Workbox precaching injected at build time).
// The 随手拍 page is no installable app: the plugin links its manifest (the staff app's) into every page.
const noManifestOnReport = {
  name: 'gridpatrol:no-manifest-on-report',
  enforce: 'post',
  transformIndexHtml: { order: 'post', handler: (html, { path }) =>
    (path === '/report/index.html' ? html.replace(/<link rel="manifest"[^>]*>/, '') : html) },
};

// Two pages: the staff app (index.html) and the citizens' 随手拍 page (report/index.html, served at /report/),
// which shares none of the app's shell and registers no service worker.
export default defineConfig({
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2020',
           rollupOptions: { input: { index: 'index.html', report: 'report/index.html' } } },
  server: { proxy: { '/api': 'http://127.0.0.1:8000', '/healthz': 'http://127.0.0.1:8000' } },
  plugins: [VitePWA({
    strategies: 'injectManifest',
    srcDir: 'src',
    filename: 'sw.js',
    injectRegister: false,
    // Views only desks open, online, are not precached (a phone would download them for nothing): sw.js
    // caches them the first time they load. So are the 随手拍 page's scripts; its HTML is, so that on a staff
    // phone /report/ opens that page and not the app's shell.
    injectManifest: { globPatterns: ['**/*.{js,css,html,png,svg,webmanifest}'],
                      globIgnores: [`**/assets/{${[...DESK_ONLY, 'report', 'picker'].join(',')}}-*.{js,css}`],
                      maximumFileSizeToCacheInBytes: 1024 * 1024 },
    manifest: {
      id: '/',
      name: '网格巡查 gridpatrol',
      short_name: '网格巡查',
      description: '创建文明城市网格巡查：拍照上报、离线保存、联网自动发送',
      lang: 'zh-CN',
      start_url: '/',
      scope: '/',
      display: 'standalone',
      orientation: 'portrait',
      theme_color: '#0b5cad',
      background_color: '#ffffff',
      icons: [
        { src: '/icons/icon-192.png', sizes: '192x192', type: 'image/png' },
        { src: '/icons/icon-512.png', sizes: '512x512', type: 'image/png' },
        { src: '/icons/maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
      ],
    },
  }), noManifestOnReport],
  test: { environment: 'node', include: ['test/**/*.test.js'] },
});
