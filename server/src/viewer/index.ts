// The viewer's side of the node's HTTP server: OHIF and our extension at /viewer/ and the PACS's
// DICOMweb at /dicom-web (same origin, so no CORS), both behind the login; its JSON routes are
// on the node's API router (api.ts, registerViewerRoutes). main.ts creates
// this once when config.viewer.enabled and hands the mounts to createApp; closing it drops the
// pooled connections to the PACS.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ViewerConfig } from '../config/index.js';
import type { HttpMount } from '../http/app.js';
import type { Logger } from '../node/logger.js';
import { DEFAULT_APP_CONFIG } from './app-config.js';
import { createDicomWebProxy } from './proxy.js';
import { viewerStatic } from './static.js';

export interface ViewerRoutes {
  readonly mounts: readonly HttpMount[];
  close(): Promise<void>;
}

export function createViewerRoutes(config: ViewerConfig, log: Logger): ViewerRoutes {
  const proxy = createDicomWebProxy({
    target: config.dicomWebUrl, credentials: config.dicomWebCredentials, timeoutMs: config.timeoutMs,
    log: log.child({ component: 'dicomweb-proxy' }),
  });
  // Orthanc writes BulkDataURI / RetrieveURL as <Forwarded host><its own DICOMweb root>/…: they
  // reach this proxy only if that root is the path the proxy is mounted at.
  const upstreamRoot = new URL(config.dicomWebUrl).pathname;
  if (upstreamRoot !== DEFAULT_APP_CONFIG.dicomWebPath) {
    log.warn({ dicomWebUrl: config.dicomWebUrl, proxyPath: DEFAULT_APP_CONFIG.dicomWebPath },
      'viewer: the PACS\'s DICOMweb root is not /dicom-web; absolute URLs in its answers (BulkDataURI) will not point at the proxy');
  }
  if (!existsSync(join(config.ohifDir, 'index.html'))) {
    log.warn({ ohifDir: config.ohifDir }, 'viewer: OHIF is not installed, /viewer/ answers 503 until `bash scripts/setup-viewer.sh` has run');
  }
  return {
    mounts: [
      // Both show patient data: a login (the viewer role) first, as for the API.
      { path: '/viewer', handler: viewerStatic({ ohifDir: config.ohifDir, extensionDir: config.extensionDir }), role: 'viewer' },
      { path: DEFAULT_APP_CONFIG.dicomWebPath, handler: proxy.handle, role: 'viewer' },
    ],
    close: async () => proxy.close(),
  };
}
export { registerViewerRoutes } from './api.js';
