import { defineConfig } from 'vite';

// The API server serves dist/ at /; during `npm run dev` Vite proxies the API to it.
export default defineConfig({
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2020' },
  server: { proxy: { '/api': 'http://127.0.0.1:8000', '/healthz': 'http://127.0.0.1:8000' } },
});
