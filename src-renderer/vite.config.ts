// Builds the Svelte renderer into src-renderer/dist, served by `himoe serve` and loaded by
// the Electron shell through its custom protocol.
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vite';

export const config = defineConfig({
  root: import.meta.dirname,
  base: './',
  plugins: [svelte()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
  },
});

// Vite reads the default export of its config file.
export default config;
