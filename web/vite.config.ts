// Vite build of the UI. Relative base: the bundle works wherever it is mounted (`podnet ui` at /,
// `podnet serve` beside the Kubernetes API). Cytoscape, ELK and CodeMirror are split into lazy chunks.
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  plugins: [react()],
  build: {
    outDir: 'dist',
    target: 'es2022',
    sourcemap: false,
    reportCompressedSize: false,
    chunkSizeWarningLimit: 2000,
    rolldownOptions: { checks: { pluginTimings: false } },
  },
  logLevel: 'warn',
});
