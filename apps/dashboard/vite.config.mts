import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { mnistSamplesPlugin } from './build/mnist-samples.plugin';

const root = fileURLToPath(new URL('.', import.meta.url));
const repo = resolve(root, '..', '..');
// `npx vite --config apps/dashboard/vite.config.ts` serves the dashboard with hot reload against a
// running API (TRAINYARD_API, default the API's own default port).
const api = process.env.TRAINYARD_API ?? 'http://localhost:3000';

export default defineConfig({
  root,
  base: '/',
  publicDir: false,
  resolve: {
    // The dashboard validates with the API's own schema: contracts from source, not a copy.
    alias: { '@trainyard/contracts': resolve(repo, 'libs/contracts/src/index.ts') },
  },
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  // The plugin runs the training lib's TypeScript loader at build time; the npm script sets
  // VITE_CONFIG_NATIVE_IGNORE_WARNING because that lib is CommonJS-typed source, which Vite's
  // future native config loader will not take (it works with today's bundled loader).
  plugins: [mnistSamplesPlugin()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 400,
  },
  server: {
    fs: { allow: [repo] },
    proxy: {
      '/api': api,
      '/health': api,
      '/socket.io': { target: api, ws: true },
    },
  },
});
