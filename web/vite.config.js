// Builds the console into dist/: index.html, one JS and one CSS file under assets/ (hashed
// names, so the server may cache them for long). No source maps, nothing inlined as data: URLs,
// no module preload polyfill (every supported browser has modules). See docs/console.md.
import { defineConfig } from 'vite';

export default defineConfig({
  base: './',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    assetsInlineLimit: 0,
    cssCodeSplit: false,
    modulePreload: { polyfill: false },
    target: 'es2020',
    reportCompressedSize: false,
  },
  server: {
    // `npm run dev` against a running server: LATCHKEY_ADDR=http://127.0.0.1:8420 npm run dev
    proxy: { '/v1': process.env.LATCHKEY_ADDR || 'http://127.0.0.1:8420' },
  },
  preview: {
    proxy: { '/v1': process.env.LATCHKEY_ADDR || 'http://127.0.0.1:8420' },
  },
});
