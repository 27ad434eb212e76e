// The development wallet as one script (dist/dev-wallet.js): an EIP-1193 provider signing with
// a px-devnet development key, announced through EIP-6963. The browser tests inject it; the
// demo's server adds it to the page on the local chain only.
import { defineConfig } from 'vite';

export default defineConfig({
  resolve: { dedupe: ['viem'] },
  build: {
    outDir: 'dist',
    emptyOutDir: false,
    target: 'es2022',
    lib: { entry: 'dev-wallet/wallet.ts', formats: ['iife'], name: 'pxDevWallet', fileName: () => 'dev-wallet.js' },
  },
});
