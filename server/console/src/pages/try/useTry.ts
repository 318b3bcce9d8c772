// The Try it page's state: the file loaded, the engine asked for, what is running now, the
// outcome and what went wrong. Only the latest file or engine change counts: an older run that
// finishes late is dropped (and the browser engine abandons it at its next tile).
import { useRef, useState } from 'react';
import { decodeFile, type LoadedInput } from './decode.js';
import { browserEngine, SupersededError } from './engine/browser-engine.js';
import { runTry, type Engine, type Stage, type TryModel, type TryOutcome } from './run.js';

export interface Failure {
  readonly title: string;
  readonly error: Error;
}

export interface TryState {
  readonly engine: Engine;
  /** Why the browser cannot run the model at all (then the node does, for an operator). */
  readonly browserUnavailable: string | undefined;
  readonly input: LoadedInput | undefined;
  readonly outcome: TryOutcome | undefined;
  readonly stage: Stage | undefined;
  readonly failure: Failure | undefined;
  drop(file: File): void;
  setEngine(engine: Engine): void;
}

export function useTry(model: TryModel | undefined, nodeAllowed: boolean): TryState {
  const browserUnavailable = browserEngine.unavailable();
  // The browser stays what is asked for even where it cannot run: runTry then falls back to the
  // node and the outcome says why, rather than the page quietly choosing the node.
  const [engine, setEngineState] = useState<Engine>('browser');
  const [input, setInput] = useState<LoadedInput>();
  const [outcome, setOutcome] = useState<TryOutcome>();
  const [stage, setStage] = useState<Stage>();
  const [failure, setFailure] = useState<Failure>();
  const runId = useRef(0);

  const go = async (chosen: Engine, next: File | LoadedInput): Promise<void> => {
    if (!model) return;
    const id = ++runId.current;
    const live = (): boolean => id === runId.current;
    setFailure(undefined);
    setStage(undefined);
    let loaded: LoadedInput | undefined = next instanceof File ? undefined : next;
    try {
      if (!loaded) {
        loaded = await decodeFile(next as File);
        if (!live()) return;
        setInput(loaded);
        setOutcome(undefined);
      }
      const out = await runTry(chosen, loaded, model, (s) => live() && setStage(s), nodeAllowed);
      if (live()) setOutcome(out);
    } catch (err) {
      if (!live() || err instanceof SupersededError) return;
      if (!loaded) {
        // A file that cannot be read replaces the last one: its result must not look like this file's.
        setInput(undefined);
        setOutcome(undefined);
      }
      const name = loaded?.name ?? (next as File).name;
      setFailure({ title: loaded ? `Could not denoise ${name}` : `Could not read ${name}`, error: err as Error });
    } finally {
      if (live()) setStage(undefined);
    }
  };

  return {
    engine, browserUnavailable, input, outcome, stage, failure,
    drop: (file) => void go(engine, file),
    setEngine: (e) => {
      setEngineState(e);
      if (input) void go(e, input);
    },
  };
}
