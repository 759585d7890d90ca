import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'
import react from '@vitejs/plugin-react'

// The inbox page. `npm run build:web` writes web/dist, which the server serves at `/`.
// `npm run dev:web` serves it with hot reload and forwards API calls to a running `npm start`.
const root = fileURLToPath(new URL('.', import.meta.url))
const api = process.env.SWITCHBOARD_URL ?? 'http://127.0.0.1:8080'

export default defineConfig({
  root,
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 800 },
  server: { proxy: { '/v1': { target: api, changeOrigin: false } } },
})
