// The dApp: one page, everything bundled (no CDN at run time). The SDK is a local package.
import { defineConfig } from 'vite';

export default defineConfig({
  base: './',
  resolve: { dedupe: ['viem'] },
  build: { outDir: 'dist', target: 'es2022', emptyOutDir: true, sourcemap: true },
});
