// A job's source or derived image from GET /api/jobs/:id/image, decoded at full bit depth for
// the comparison view. `version` (the job's finish time) refetches after a new run; the node
// audits every fetch as a view of patient data, so nothing refetches on a timer or mid-run.
import { useEffect, useRef, useState } from 'react';
import { apiFetch, ApiError } from '../../api.js';
import { decodeRawImage, type RawImage } from '../../components/compare/raw-image.js';

export interface LoadedImage {
  readonly raw: RawImage | undefined;
  readonly loading: boolean;
  readonly error: string | undefined;
}

export function useJobImage(jobId: string | undefined, which: 'source' | 'derived', version: string | null | undefined): LoadedImage {
  const [state, setState] = useState<LoadedImage>({ raw: undefined, loading: !!jobId, error: undefined });
  // While a job runs again its finish time is null: keep showing the last result, fetch the next once it is there.
  const last = useRef(version);
  if (version) last.current = version;
  const settled = last.current;
  useEffect(() => {
    if (!jobId) {
      setState({ raw: undefined, loading: false, error: undefined });
      return;
    }
    const abort = new AbortController();
    setState((s) => ({ raw: s.raw, loading: true, error: undefined }));
    (async () => {
      const res = await apiFetch(`/api/jobs/${encodeURIComponent(jobId)}/image?which=${which}`, { signal: abort.signal, headers: { Accept: 'application/octet-stream' } });
      const bytes = await res.arrayBuffer();
      // User Timing for tests/bench/console.bench.ts (visible in the browser's profiler too).
      const start = performance.now();
      const raw = decodeRawImage(bytes, (name) => res.headers.get(name));
      performance.measure('sharpxr:decode', { start });
      return raw;
    })().then(
      (raw) => !abort.signal.aborted && setState({ raw, loading: false, error: undefined }),
      (err: Error) => {
        if (err.name === 'AbortError' || abort.signal.aborted) return;
        setState({ raw: undefined, loading: false, error: err instanceof ApiError ? err.message : `could not read the image: ${err.message}` });
      },
    );
    return () => abort.abort();
  }, [jobId, which, settled]);
  return state;
}
