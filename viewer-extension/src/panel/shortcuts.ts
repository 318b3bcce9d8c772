// The compare views' keyboard shortcuts: registered as OHIF hotkeys by the mode and listed in
// the panel from this one table. Keys not already taken by OHIF's defaults.
export interface Shortcut {
  readonly commandName: string;
  readonly keys: readonly string[];
  readonly label: string;
  readonly commandOptions?: Record<string, unknown>;
}

export const SHORTCUTS: readonly Shortcut[] = [
  { commandName: 'sharpxrFlicker', keys: ['f'], label: 'Flicker: original ⇄ denoised' },
  { commandName: 'sharpxrBlink', keys: ['shift+f'], label: 'Blink (timed flicker) on / off' },
  { commandName: 'sharpxrSwipe', keys: ['s'], label: 'Swipe divider' },
  { commandName: 'sharpxrOverlay', keys: ['o'], label: 'Overlay denoised on original' },
  { commandName: 'sharpxrDifference', keys: ['d'], label: 'Difference map (denoised − original)' },
  { commandName: 'sharpxrSideBySide', keys: ['x'], label: 'Back to side by side' },
  { commandName: 'sharpxrNextPair', keys: ['p'], label: 'Next pair in the study' },
];

export function hotkeyBindings() {
  return SHORTCUTS.map((s) => ({ commandName: s.commandName, commandOptions: s.commandOptions ?? {}, keys: [...s.keys], label: `SharpXR: ${s.label}`, isEditable: true }));
}

export const keyLabel = (keys: readonly string[]): string => keys.map((k) => k.split('+').map((p) => (p.length === 1 ? p.toUpperCase() : p[0]!.toUpperCase() + p.slice(1))).join('+')).join(', ');
