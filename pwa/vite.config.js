import { defineConfig } from 'vite';
import { VitePWA } from 'vite-plugin-pwa';

const DESK_ONLY = ['readiness', 'coverage', 'keypoints', 'desk', 'dryrun', 'overview', 'trend', 'dispatch', 'bulletins',
                   'periods', 'drilldown', 'ledger', 'admin'];

// The API server serves dist/ at /; during `npm run dev` Vite proxies the API to it.
// The service worker is our own src/sw.js (Workbox precaching injected at build time).
export default defineConfig({
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2020' },
  server: { proxy: { '/api': 'http://127.0.0.1:8000', '/healthz': 'http://127.0.0.1:8000' } },
  plugins: [VitePWA({
    strategies: 'injectManifest',
    srcDir: 'src',
    filename: 'sw.js',
    injectRegister: false,
    // Views only desks open, online, are not precached (a phone would download them for nothing): sw.js
    // caches them the first time they load.
    injectManifest: { globPatterns: ['**/*.{js,css,html,png,svg,webmanifest}'],
                      globIgnores: [`**/assets/{${DESK_ONLY.join(',')}}-*.{js,css}`],
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
  })],
  test: { environment: 'node', include: ['test/**/*.test.js'] },
});
