// /viewer/: OHIF's prebuilt dist, our generated app-config.js and our extension's ES modules.
// OHIF is a single-page app whose routes (/viewer/sharpxr-compare?StudyInstanceUIDs=…) are not
// files, so any extension-less path gets index.html; a missing .js or .wasm must stay a 404,
// or the browser would try to run HTML as a chunk and fail with a baffling syntax error.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { htmlPage } from '../http/errors.js';
import { DEFAULT_APP_CONFIG, renderAppConfig, type AppConfigOptions } from './app-config.js';
import { pathOf, safeSegments } from './safe-path.js';

export interface ViewerStaticOptions {
  /** OHIF's dist, relocated to /viewer/ by scripts/setup-viewer.sh. */
  readonly ohifDir: string;
  /** viewer-extension/dist: served at /viewer/sharpxr/. */
  readonly extensionDir: string;
  readonly appConfig?: AppConfigOptions;
}

// webpack names chunks, wasm and fonts by content hash (1602.bundle.94f12cceab7c2762.js,
// 0ddf166f7a343eda.wasm): such a name never changes content, so browsers may keep it for good.
const HASHED = /(?:^|[./])[0-9a-f]{16}\.[a-z0-9]+$/;
const IMMUTABLE = 'public, max-age=31536000, immutable';
// Everything else is revalidated (ETag) on each load, so a new OHIF or extension shows at once.
const REVALIDATE = 'no-cache';
/** A last segment like "x.js", "y.wasm", "z.woff2": a file request, never an app route. */
const FILE_LIKE = /\.[a-z][a-z0-9]{0,7}$/i;

export function viewerStatic(o: ViewerStaticOptions): Router {
  const router = express.Router({ strict: true });
  const appConfig = renderAppConfig(o.appConfig ?? DEFAULT_APP_CONFIG);
  router.use(refuseUnsafePaths);
  router.get('/app-config.js', (_req, res) => {
    res.set({ 'Cache-Control': REVALIDATE, 'X-Content-Type-Options': 'nosniff' }).type('text/javascript').send(appConfig);
  });
  router.use('/sharpxr', express.static(o.extensionDir, staticOptions(() => REVALIDATE)), (req, res) => {
    const built = existsSync(join(o.extensionDir, 'index.js'));
    res.status(built ? 404 : 503).set('Cache-Control', 'no-store').type('html').send(built
      ? htmlPage('404 not found', `/viewer/sharpxr${pathOf(req.url)} is not a file of the SharpXR viewer extension`)
      : htmlPage('503 viewer extension not built', `${o.extensionDir} has no index.js.`, '<p>Build it with <code>npm run build -w viewer-extension</code>.</p>'));
  });
  router.use(requireOhif(o.ohifDir));
  router.use(express.static(o.ohifDir, staticOptions((path) => (HASHED.test(path) ? IMMUTABLE : REVALIDATE))));
  router.use(spaFallback(o.ohifDir));
  return router;
}

function refuseUnsafePaths(req: Request, res: Response, next: NextFunction): void {
  // Mounted at /viewer: "/viewer" alone would resolve OHIF's relative URLs against "/".
  if (req.originalUrl === req.baseUrl || req.originalUrl.startsWith(`${req.baseUrl}?`)) {
    res.redirect(301, `${req.baseUrl}/${req.originalUrl.slice(req.baseUrl.length)}`);
    return;
  }
  safeSegments(pathOf(req.url)); // throws a 400 HttpError before any file is looked up
  next();
}

function staticOptions(cacheControl: (path: string) => string) {
  return {
    index: false as const, redirect: false, fallthrough: true, dotfiles: 'ignore' as const, cacheControl: false,
    setHeaders: (res: Response, path: string) => {
      res.setHeader('Cache-Control', cacheControl(path));
      res.setHeader('X-Content-Type-Options', 'nosniff');
    },
  };
}

/** 503 with the fix when OHIF's dist is not there (checked per request: installing needs no restart). */
function requireOhif(ohifDir: string) {
  return (_req: Request, res: Response, next: NextFunction): void => {
    if (existsSync(join(ohifDir, 'index.html'))) {
      next();
      return;
    }
    res.status(503).set({ 'Cache-Control': 'no-store', 'Retry-After': '60' }).type('html').send(htmlPage(
      '503 the OHIF viewer is not installed',
      `${ohifDir} has no index.html. The node serves OHIF's prebuilt dist at /viewer/ but does not download it itself.`,
      '<p>Install it on this machine with <code>bash scripts/setup-viewer.sh</code> (or <code>bash scripts/run.sh</code>, which runs it), then reload this page.</p>',
    ));
  };
}

function spaFallback(ohifDir: string) {
  const index = join(ohifDir, 'index.html');
  return (req: Request, res: Response, next: NextFunction): void => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      res.status(405).type('html').send(htmlPage('405 method not allowed', `${req.method} is not served under /viewer/`));
      return;
    }
    if (FILE_LIKE.test(pathOf(req.url))) {
      res.status(404).set('Cache-Control', 'no-store').type('html').send(htmlPage('404 not found', `/viewer${pathOf(req.url)} is not a file of the viewer`));
      return;
    }
    res.sendFile(index, { cacheControl: false, headers: { 'Cache-Control': REVALIDATE, 'X-Content-Type-Options': 'nosniff' } }, (err) => {
      if (err) next(err);
    });
  };
}
