// /dicom-web through the node to a real Orthanc with its DICOMweb plugin and HTTP Basic auth:
// QIDO and WADO-RS answered with the node's credentials, BulkDataURIs pointing back at the node
// (the Forwarded header), frames byte-identical to Orthanc's; then the PACS down (502), a PACS
// that accepts and never answers (504) or stops mid-body (connection cut), and the node healthy
// through all of it.
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { loginToNode, type NodeSession } from '../helpers/node-login.js';
import { startNodeProcess, type NodeProcess } from '../helpers/node-process.js';
import { freePort, orthancMissing, startOrthanc, type OrthancHandle } from '../helpers/orthanc.js';
import { FIXTURE_CR, tempDir } from './helpers.js';
import { HTML, rawGet } from './viewer-fixture.js';

const USER = 'sharpxr';
// ":" and "@" must survive the trip through the URL's userinfo (percent-encoded there).
const PASSWORD = 'pa:ss@word';
const DICOM_JSON = { accept: 'application/dicom+json' };
const FRAMES = { accept: 'multipart/related; type="application/octet-stream"; transfer-syntax=*' };
const skip = orthancMissing() ?? false;

interface Uids {
  study: string;
  series: string;
  sop: string;
  /** Bytes of the uncompressed 16-bit frame. */
  frameBytes: number;
}

/** The one part of a multipart/related answer: its header lines and its bytes. */
function onlyPart(body: Buffer, contentType: string | null): { headers: string; payload: Buffer } {
  const boundary = /boundary="?([^";]+)"?/.exec(contentType ?? '')?.[1];
  assert.ok(boundary, `no boundary in ${contentType}`);
  const start = body.indexOf(`--${boundary}\r\n`);
  const headersEnd = body.indexOf('\r\n\r\n', start);
  const end = body.indexOf(`\r\n--${boundary}--`, headersEnd);
  assert.ok(start === 0 && headersEnd > 0 && end > headersEnd, 'one multipart part');
  return { headers: body.subarray(start, headersEnd).toString('latin1'), payload: body.subarray(headersEnd + 4, end) };
}

describe('DICOMweb proxy with Orthanc as the PACS', { skip }, () => {
  const tmp = tempDir('sharpxr-viewer-proxy-');
  let orthanc: OrthancHandle;
  let node: NodeProcess;
  let session: NodeSession;
  /** fetch on the node as a logged-in viewer (the proxy needs a login). */
  const nodeFetch = (path: string, init: RequestInit = {}) =>
    fetch(`${node.httpUrl}${path}`, { ...init, headers: { ...session.headers, ...(init.headers as Record<string, string> | undefined) } });
  let nodePort: number;
  let uids: Uids;
  const auth = { authorization: `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}` };

  before(async () => {
    orthanc = await startOrthanc({ dicomWeb: true, users: { [USER]: PASSWORD } });
    const tags = await orthanc.instanceTags((await orthanc.uploadInstance(FIXTURE_CR)).ID);
    uids = { study: String(tags.StudyInstanceUID), series: String(tags.SeriesInstanceUID), sop: String(tags.SOPInstanceUID), frameBytes: Number(tags.Rows) * Number(tags.Columns) * 2 };
    nodePort = await freePort();
    const target = new URL(`${orthanc.httpUrl}/dicom-web`);
    target.username = USER;
    target.password = encodeURIComponent(PASSWORD);
    node = await startNodeProcess({ dir: tmp.dir, dicomPort: await freePort(), httpPort: nodePort, config: { viewer: { dicomWebUrl: target.href, timeoutMs: 5000 } } });
    session = await loginToNode(node);
  });
  after(async () => {
    await node?.stop();
    await orthanc?.stop();
    tmp.cleanup();
  });

  it('needs the credentials: Orthanc itself refuses a request without them', async () => {
    const direct = await fetch(`${orthanc.httpUrl}/dicom-web/studies`, { headers: DICOM_JSON });
    assert.equal(direct.status, 401);
  });

  it('answers QIDO through the node with the node\'s credentials, whatever the browser sends', async () => {
    const browserAuths: Record<string, string>[] = [{}, { authorization: 'Basic d3Jvbmc6d3Jvbmc=' }];
    for (const browserAuth of browserAuths) {
      const res = await nodeFetch(`/dicom-web/studies?StudyInstanceUID=${uids.study}`, { headers: { ...DICOM_JSON, ...browserAuth } });
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^application\/dicom\+json/);
      const studies = await res.json() as Record<string, { Value?: unknown[] }>[];
      assert.equal(studies.length, 1);
      assert.deepEqual(studies[0]!['0020000D']!.Value, [uids.study]);
    }
    const series = await (await nodeFetch(`/dicom-web/studies/${uids.study}/series`, { headers: DICOM_JSON })).json() as Record<string, { Value?: unknown[] }>[];
    assert.deepEqual(series.map((s) => s['0020000E']!.Value![0]), [uids.series]);
  });

  it('is read-only: no STOW-RS (POST) into the PACS with the node\'s credentials', async () => {
    const stow = await nodeFetch(`/dicom-web/studies`, { method: 'POST', headers: { 'content-type': 'multipart/related; type="application/dicom"' }, body: 'x' });
    assert.equal(stow.status, 405);
    assert.equal(stow.headers.get('allow'), 'GET, HEAD');
    assert.equal((await fetch(`${orthanc.httpUrl}/dicom-web/studies`, { headers: { ...DICOM_JSON, ...auth } })).status, 200, 'Orthanc itself is fine');
  });

  it('makes WADO-RS metadata point its BulkDataURI at the node, as the browser addressed it', async () => {
    const path = `/dicom-web/studies/${uids.study}/series/${uids.series}/metadata`;
    for (const host of [`127.0.0.1:${nodePort}`, 'viewer.hospital.example:8443']) {
      const res = await rawGet(nodePort, path, { ...DICOM_JSON, ...session.headers, host });
      assert.equal(res.status, 200, res.body);
      const instances = JSON.parse(res.body) as Record<string, { BulkDataURI?: string }>[];
      const uri = instances[0]!['7FE00010']!.BulkDataURI!;
      assert.equal(uri, `http://${host}/dicom-web/studies/${uids.study}/series/${uids.series}/instances/${uids.sop}/bulk/7fe00010`);
    }
    assert.doesNotMatch(JSON.stringify(node.records()), new RegExp(PASSWORD.replace(/[:@]/g, '.')), 'the password is never logged');
  });

  it('streams frames and bulk data byte-identical to what Orthanc sends', async () => {
    const frame = `/dicom-web/studies/${uids.study}/series/${uids.series}/instances/${uids.sop}/frames/1`;
    const viaNode = await nodeFetch(`${frame}`, { headers: FRAMES });
    assert.equal(viaNode.status, 200);
    assert.match(viaNode.headers.get('content-type') ?? '', /^multipart\/related/);
    const direct = await fetch(`${orthanc.httpUrl}${frame}`, { headers: { ...FRAMES, ...auth } });
    const a = onlyPart(Buffer.from(await viaNode.arrayBuffer()), viaNode.headers.get('content-type'));
    const b = onlyPart(Buffer.from(await direct.arrayBuffer()), direct.headers.get('content-type'));
    assert.equal(a.payload.length, uids.frameBytes, 'the whole uncompressed frame');
    assert.ok(a.payload.equals(b.payload), 'the same pixel bytes as Orthanc sends directly');
    // Orthanc names each part with an absolute Content-Location: through the node, the node's.
    assert.match(a.headers, new RegExp(`Content-Location: http://127\\.0\\.0\\.1:${nodePort}/dicom-web/studies/`));
    const bulk = await nodeFetch(`/dicom-web/studies/${uids.study}/series/${uids.series}/instances/${uids.sop}/bulk/7fe00010`, { headers: FRAMES });
    assert.equal(bulk.status, 200);
    assert.ok((await bulk.arrayBuffer()).byteLength > uids.frameBytes);
  });

  it('answers 502 when the PACS is down (JSON for API clients, a page for browsers), and stays healthy', async () => {
    await orthanc.stop();
    const json = await nodeFetch(`/dicom-web/studies`, { headers: DICOM_JSON });
    assert.equal(json.status, 502);
    assert.match(json.headers.get('content-type') ?? '', /^application\/json/);
    const body = await json.json() as { error: string; detail: string };
    assert.equal(body.error, 'the PACS cannot be reached');
    assert.match(body.detail, /ECONNREFUSED/);
    assert.doesNotMatch(body.detail, /pa:ss|word/, 'no credentials in the error');
    const page = await nodeFetch(`/dicom-web/studies`, { headers: HTML });
    assert.equal(page.status, 502);
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(await page.text(), /<h1>502 the PACS cannot be reached<\/h1>/);
    assert.equal((await node.health()).status, 'ok');
    assert.ok(node.records().some((r) => r.msg === 'DICOMweb proxy: the PACS request failed' && r.status === 502 && r.path === '/dicom-web/studies'));
  });
});

/**
 * A misbehaving "PACS" on raw TCP. Any path: accepted, never answered. "/partial": headers and
 * 3 of 1000 promised bytes, then silence. "/flaky": answered on a fresh connection, but the
 * connection is dropped when a second request arrives on it (a keep-alive close race, made
 * certain). Each data chunk is taken as one GET (they have no body).
 */
async function startStaller(): Promise<{ port: number; sockets: Set<Socket>; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    let requests = 0;
    socket.on('data', (chunk) => {
      const line = chunk.toString('latin1').split('\r\n')[0]!;
      requests += 1;
      if (line.includes('/partial')) socket.write('HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: 1000\r\n\r\nabc');
      else if (line.includes('/flaky') && requests === 1) socket.write('HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok');
      else if (line.includes('/flaky')) socket.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port, sockets,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('DICOMweb proxy with a PACS that stalls', { skip }, () => {
  const tmp = tempDir('sharpxr-viewer-stall-');
  const TIMEOUT_MS = 800;
  let staller: Awaited<ReturnType<typeof startStaller>>;
  let node: NodeProcess;
  let session: NodeSession;
  /** fetch on the node as a logged-in viewer (the proxy needs a login). */
  const nodeFetch = (path: string, init: RequestInit = {}) =>
    fetch(`${node.httpUrl}${path}`, { ...init, headers: { ...session.headers, ...(init.headers as Record<string, string> | undefined) } });

  before(async () => {
    staller = await startStaller();
    node = await startNodeProcess({
      dir: tmp.dir, dicomPort: await freePort(), httpPort: await freePort(),
      config: { viewer: { dicomWebUrl: `http://127.0.0.1:${staller.port}/dicom-web`, timeoutMs: TIMEOUT_MS } },
    });
    session = await loginToNode(node);
  });
  after(async () => {
    await node?.stop();
    await staller?.close();
    tmp.cleanup();
  });

  it('answers 504 after the timeout, JSON and HTML, and stays healthy', async () => {
    const t0 = performance.now();
    const json = await nodeFetch(`/dicom-web/studies`, { headers: DICOM_JSON });
    const elapsed = performance.now() - t0;
    assert.equal(json.status, 504);
    assert.deepEqual(Object.keys(await json.json() as object).sort(), ['detail', 'error']);
    assert.ok(elapsed >= TIMEOUT_MS - 50 && elapsed < TIMEOUT_MS + 2000, `answered after ${Math.round(elapsed)} ms`);
    const page = await nodeFetch(`/dicom-web/studies`, { headers: HTML });
    assert.equal(page.status, 504);
    assert.match(await page.text(), /<h1>504 the PACS did not answer in time<\/h1>/);
    assert.equal((await node.health()).status, 'ok');
    assert.equal((await nodeFetch(`/api/viewer/studies`)).status, 200, 'the API answers meanwhile');
  });

  it('cuts the connection when the PACS goes silent mid-answer (the status was already sent)', async () => {
    const res = await nodeFetch(`/dicom-web/partial`, { headers: FRAMES });
    assert.equal(res.status, 200);
    await assert.rejects(res.arrayBuffer(), 'a truncated body is an error for the client, not a short success');
    assert.equal((await node.health()).status, 'ok');
  });

  it('sends a GET again once when the pooled connection it reused was closed by the PACS', async () => {
    for (let i = 0; i < 3; i++) {
      const res = await nodeFetch(`/dicom-web/flaky`);
      assert.equal(res.status, 200, `request ${i + 1}`);
      assert.equal(await res.text(), 'ok');
    }
  });

  it('stops promptly with a request to the stalled PACS in flight', async () => {
    const inFlight = nodeFetch(`/dicom-web/studies`, { headers: DICOM_JSON }).then((r) => r.status, () => 'cut');
    await new Promise((r) => setTimeout(r, 100));
    assert.ok(staller.sockets.size > 0, 'the request reached the PACS');
    assert.equal(await node.stop(), 0);
    assert.ok(['cut', 502, 504].includes(await inFlight as never), String(await inFlight));
  });
});
