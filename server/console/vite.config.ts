// The console is a single-page app the node serves at / (server/src/console/static.ts).
// `npm run dev -w @sharpxr/console` proxies the API to a node on SHARPXR_URL (default :8080).
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const node = process.env.SHARPXR_URL ?? 'http://127.0.0.1:8080';

export default defineConfig({
  plugins: [react()],
  base: '/',
  // Not emptied first: a page open (or a test running) during a rebuild keeps finding the
  // hashed chunks it already references; old ones are a few stale files, never served by name.
  build: { outDir: 'dist', emptyOutDir: false, sourcemap: true, chunkSizeWarningLimit: 1500 },
  server: {
    proxy: { '/api': node, '/viewer': node, '/dicom-web': node },
    // The same isolation the node sends, so Try-it gets WebAssembly threads in development too.
    headers: { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' },
  },
});
