import { defineConfig } from 'vite';

// React's JSX is compiled by Vite's own transformer (automatic runtime): no plugin needed.
// The build lands in dist/, which the service serves from `/` (Console:Root, see README).
export default defineConfig({
  base: '/',
  oxc: { jsx: { runtime: 'automatic' } },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 900 },
  server: { proxy: { '/api': 'http://127.0.0.1:5080', '/dev': 'http://127.0.0.1:5080', '/openapi': 'http://127.0.0.1:5080' } },
});
