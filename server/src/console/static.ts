// /: the admin console, a single-page app built by Vite into server/console/dist. Its routes
// (/studies, /jobs/42, /login?next=…) are not files, so a GET for a page gets index.html; a
// missing asset stays a 404 (a chunk answered with HTML fails with a baffling syntax error),
// and the node's own prefixes (/api, /viewer, /dicom-web, /health, /metrics) are never taken.
// The files hold no patient data, so they are served without a login: the page itself asks
// /api/auth/state and shows the login or the first-account setup screen.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { htmlPage } from '../http/errors.js';

/** server/console/dist, from server/src/console or server/dist/console alike. */
export const DEFAULT_CONSOLE_DIR = fileURLToPath(new URL('../../console/dist', import.meta.url));

const NODE_PREFIXES = /^\/(api|viewer|dicom-web|health|metrics)(\/|$)/;
const FILE_LIKE = /\.[a-z][a-z0-9]{0,7}$/i;
// Vite puts content-hashed files under assets/: a name there never changes content.
const IMMUTABLE = 'public, max-age=31536000, immutable';
const REVALIDATE = 'no-cache';

/**
 * Same-origin everything. 'wasm-unsafe-eval' lets onnxruntime-web compile its WebAssembly
 * (Try it); blob: workers are its thread pool; style attributes come from React (charts,
 * the swipe divider). Cross-origin isolation (COOP+COEP) gives WebAssembly threads
 * SharedArrayBuffer; every resource the console loads is same-origin, so require-corp costs
 * nothing.
 */
export const CONSOLE_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': [
    "default-src 'self'", "script-src 'self' 'wasm-unsafe-eval'", "style-src 'self' 'unsafe-inline'",
    "img-src 'self' blob: data:", "worker-src 'self' blob:", "connect-src 'self' blob: data:",
    "font-src 'self'", "object-src 'none'", "base-uri 'self'", "form-action 'self'", "frame-ancestors 'none'",
  ].join('; '),
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Referrer-Policy': 'same-origin',
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
};

export function consoleStatic(dir: string = DEFAULT_CONSOLE_DIR): Router {
  const router = express.Router();
  router.use((req, res, next) => {
    if (NODE_PREFIXES.test(req.path)) return next('router');
    res.set(CONSOLE_HEADERS);
    next();
  });
  router.use(express.static(dir, {
    index: false, redirect: false, dotfiles: 'ignore', cacheControl: false,
    setHeaders: (res, path) => res.setHeader('Cache-Control', path.includes(`${join(dir, 'assets')}`) ? IMMUTABLE : REVALIDATE),
  }));
  router.use(spaFallback(dir));
  return router;
}

function spaFallback(dir: string) {
  const index = join(dir, 'index.html');
  return (req: Request, res: Response, next: NextFunction): void => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    if (FILE_LIKE.test(req.path)) {
      res.status(404).set('Cache-Control', 'no-store').type('html').send(htmlPage('404 not found', `${req.path} is not a file of the console`));
      return;
    }
    if (!existsSync(index)) {
      res.status(503).set({ 'Cache-Control': 'no-store', 'Retry-After': '60' }).type('html').send(htmlPage(
        '503 the console is not built',
        `${dir} has no index.html.`,
        '<p>Build it with <code>npm run build</code> (or start the node with <code>bash scripts/run.sh</code>, which builds it), then reload this page. The API at <code>/api</code> works meanwhile.</p>',
      ));
      return;
    }
    res.sendFile(index, { cacheControl: false, headers: { 'Cache-Control': REVALIDATE } }, (err) => err && next(err));
  };
}
