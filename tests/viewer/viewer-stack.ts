// What the browser tests run against: Orthanc (with its DICOMweb plugin) as the PACS, routing
// what it stores to a real SharpXR node that serves the viewer and proxies /dicom-web to it,
// and a chest radiograph that has been through the pipeline and back.
import { loginToNode, type NodeSession } from '../helpers/node-login.js';
import { startNodeProcess, type NodeProcess } from '../helpers/node-process.js';
import { forwardingLua, freePort, startOrthanc, waitFor, type OrthancHandle } from '../helpers/orthanc.js';
import { tempDir } from '../server/helpers.js';

export interface ViewerStack {
  readonly orthanc: OrthancHandle;
  readonly node: NodeProcess;
  /** A logged-in viewer (cookie and CSRF headers) for the API and the browser. */
  readonly session: NodeSession;
  readonly dir: string;
  stop(): Promise<void>;
}

export async function startViewerStack(): Promise<ViewerStack> {
  const tmp = tempDir('sharpxr-viewer-e2e-');
  const nodePort = await freePort();
  const orthanc = await startOrthanc({
    aet: 'ORTHANC', dicomWeb: true,
    modalities: { sharpxr: ['SHARPXR', '127.0.0.1', nodePort] },
    lua: forwardingLua('sharpxr', ['SHARPXR']),
  });
  const node = await startNodeProcess({
    dir: tmp.dir, dicomPort: nodePort, httpPort: await freePort(),
    config: {
      destinations: [{ name: 'orthanc', aeTitle: 'ORTHANC', host: '127.0.0.1', port: orthanc.dicomPort }],
      viewer: { enabled: true, dicomWebUrl: `${orthanc.httpUrl}/dicom-web`, timeoutMs: 5000 },
    },
  });
  const session = await loginToNode(node, 'viewer');
  return {
    orthanc, node, session, dir: tmp.dir,
    stop: async () => {
      await node.stop();
      await orthanc.stop();
      tmp.cleanup();
    },
  };
}

export interface RoundTrip {
  readonly studyInstanceUid: string;
  readonly sourceSeriesUid: string;
  readonly derivedSeriesUid: string;
  readonly derivedOrthancSeriesId: string;
}

/** Uploads `file` to Orthanc and waits until its derived series is back in the same study. */
export async function roundTrip(stack: ViewerStack, file: string, timeoutMs = 90_000): Promise<RoundTrip> {
  const uploaded = await stack.orthanc.uploadInstance(file);
  const tags = await stack.orthanc.instanceTags(uploaded.ID);
  const studyInstanceUid = String(tags.StudyInstanceUID);
  const derived = await waitFor(async () => {
    const series = await stack.orthanc.listSeries(studyInstanceUid);
    return series.find((s) => s.MainDicomTags.SeriesInstanceUID !== tags.SeriesInstanceUID && s.Instances.length > 0);
  }, timeoutMs, `the derived series of ${file}`);
  // The viewer's study index lists a study once its job is exported.
  await waitFor(async () => {
    const r = await fetch(`${stack.node.httpUrl}/api/viewer/studies`, { headers: stack.session.headers });
    return r.ok && ((await r.json()) as { studyInstanceUids: string[] }).studyInstanceUids.includes(studyInstanceUid);
  }, 30_000, 'the study in /api/viewer/studies');
  return {
    studyInstanceUid,
    sourceSeriesUid: String(tags.SeriesInstanceUID),
    derivedSeriesUid: String(derived.MainDicomTags.SeriesInstanceUID),
    derivedOrthancSeriesId: derived.ID,
  };
}

export const compareUrl = (stack: ViewerStack, study: string): string =>
  `${stack.node.httpUrl}/viewer/sharpxr-compare?StudyInstanceUIDs=${encodeURIComponent(study)}`;

/** The browser-side login of the stack's session. */
export const browserSession = (stack: ViewerStack): { url: string; cookie: string } => ({ url: stack.node.httpUrl, cookie: stack.session.cookie });
