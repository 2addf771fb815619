import { defineConfig } from 'vite';

// The Rust server (`gridd serve`) listens on 8080 by default; during
// development Vite serves the app and forwards everything the server owns.
const target = process.env.GRIDD_DEV_TARGET ?? 'http://127.0.0.1:8080';

export default defineConfig({
  // Relative asset paths: `gridd` serves dist/ at `/`, and the same build
  // keeps working if it is ever mounted under a prefix.
  base: './',
  server: {
    proxy: {
      '/api': target,
      '/tiles': target,
      '/styles': target,
    },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // maplibre-gl alone is ~1 MB minified; it is one cacheable chunk.
    chunkSizeWarningLimit: 1200,
  },
});
