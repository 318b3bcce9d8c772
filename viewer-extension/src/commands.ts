// The commands module: every compare view as a named OHIF command, so a hotkey, a panel button
// and a test all do exactly the same thing. A command without `viewportId` acts on the active
// viewport when it shows half of a pair, else on the denoised one.
import type { ExtensionParams } from './ohif.js';
import { session, type CompareSession } from './session.js';
import type { Side, ViewMode, ViewState } from './views/state.js';
import { defaultViewportId } from './views/targets.js';

type Options = { viewportId?: string } & Record<string, unknown>;

function withSession<T>(run: (s: CompareSession, viewportId: string, options: Options) => T): (options?: Options) => T | undefined {
  return (options = {}) => {
    const s = session();
    if (!s) return undefined;
    return run(s, options.viewportId ?? defaultViewportId(s.servicesManager), options);
  };
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const side = (v: unknown): Side | undefined => (v === 'original' || v === 'denoised' ? v : undefined);

/** A key pressed twice leaves its view: back to side by side. */
function toggle(mode: ViewMode, enter: (s: CompareSession, id: string, o: Options) => Promise<ViewState>) {
  return withSession(async (s, id, o) => (s.views.state(id)?.mode === mode && o.toggle !== false ? s.views.reset(id) : enter(s, id, o)));
}

export const actions = {
  sharpxrFlicker: withSession((s, id) => s.views.flicker(id)),
  sharpxrBlink: withSession((s, id, o) => {
    const running = s.views.state(id)?.blinkHz;
    const hz = o.hz === null ? null : (num(o.hz) ?? (running && o.toggle !== false ? null : undefined));
    return s.views.blink(id, hz);
  }),
  sharpxrSwipe: toggle('swipe', (s, id, o) => s.views.swipe(id, num(o.fraction))),
  sharpxrSetSwipe: withSession((s, id, o) => s.views.swipe(id, num(o.fraction))),
  sharpxrOverlay: toggle('overlay', (s, id, o) => s.views.overlay(id, num(o.opacity))),
  sharpxrSetOverlay: withSession((s, id, o) => s.views.overlay(id, num(o.opacity))),
  sharpxrDifference: toggle('difference', (s, id, o) => {
    const diff: { minuend?: Side; subtrahend?: Side; halfWidth?: number } = {};
    const m = side(o.minuend);
    const t = side(o.subtrahend);
    const w = num(o.halfWidth);
    if (m) diff.minuend = m;
    if (t) diff.subtrahend = t;
    if (w !== undefined) diff.halfWidth = w;
    return s.views.showDifference(id, diff);
  }),
  sharpxrDifferenceWindow: withSession((s, id, o) => s.views.setDifferenceWindow(id, num(o.halfWidth) ?? 0)),
  sharpxrSideBySide: withSession((s, id) => s.views.reset(id)),
  sharpxrShowPair: withSession((s, _id, o) => s.showPair(num(o.index) ?? 0)),
  sharpxrNextPair: withSession((s) => {
    const n = s.pairs().length;
    return n > 0 ? s.showPair((s.pairIndex + 1) % n) : false;
  }),
};

export type CommandName = keyof typeof actions;

export function getCommandsModule(_params: ExtensionParams) {
  const definitions = Object.fromEntries(Object.keys(actions).map((name) => [name, { commandFn: actions[name as CommandName] }]));
  return { actions, definitions, defaultContext: 'VIEWER' };
}
