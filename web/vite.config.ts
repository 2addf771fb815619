import { defineConfig } from 'vite';

// The Rust server (`gridd serve`) listens on 8080 by default; during
// development Vite serves the app and forwards everything the server owns.
const target = process.env.GRIDD_DEV_TARGET ?? 'http://127.0.0.1:8080';

export default defineConfig(({ mode }) => ({
  // Relative asset paths: `gridd` serves dist/ at `/`, and the same build
  // keeps working if it is ever mounted under a prefix (routes are in the hash).
  base: './',
  server: {
    proxy: {
      '/api': target,
      '/tiles': target,
      '/styles': target,
    },
  },
  build: {
    // `--mode e2e` builds the browser tests' bundle (with their hook) beside the production one.
    outDir: mode === 'e2e' ? 'dist-e2e' : 'dist',
    emptyOutDir: true,
    // maplibre-gl alone is ~1 MB minified; it is one cacheable chunk. The real limit is scripts/budget.mjs.
    chunkSizeWarningLimit: 1200,
  },
  test: {
    include: ['src/**/*.test.ts'],
    environment: 'node',
  },
}));
