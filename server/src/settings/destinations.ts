// Effective destinations: the config file's list overlaid by the console's DestinationSetting
// rows. A row with a config destination's name overrides it (or hides it when deleted); a row
// with a new name adds one. Disabled destinations are listed but not sent to.
import type { DestinationSetting } from '@prisma/client';
import type { DestinationConfig } from '../config/index.js';
import type { Destination } from '../export/index.js';

export type DestinationSource = 'config' | 'console' | 'console-override';

export interface EffectiveDestination extends DestinationConfig {
  readonly enabled: boolean;
  /** A config destination the console deleted: not sent to, listed so it can be restored. */
  readonly deleted: boolean;
  readonly source: DestinationSource;
  /** The config file's values, when the destination comes from it (overridden or not). */
  readonly configValues: DestinationConfig | null;
  readonly updatedAt: string | null;
  readonly updatedBy: string | null;
}

export function overlayDestinations(config: readonly DestinationConfig[], rows: readonly DestinationSetting[]): EffectiveDestination[] {
  const byName = new Map(rows.map((r) => [r.name, r]));
  const fromConfig = config.map((d) => {
    const row = byName.get(d.name);
    if (!row) return { ...d, enabled: true, deleted: false, source: 'config' as const, configValues: d, updatedAt: null, updatedBy: null };
    return { ...fromRow(row), deleted: row.deleted, source: 'console-override' as const, configValues: d };
  });
  const configNames = new Set(config.map((d) => d.name));
  const added = rows
    .filter((r) => !configNames.has(r.name) && !r.deleted)
    .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime())
    .map((r) => ({ ...fromRow(r), deleted: false, source: 'console' as const, configValues: null }));
  return [...fromConfig, ...added];
}

/** What the worker sends to: enabled and not deleted. */
export function sendable(list: readonly EffectiveDestination[]): Destination[] {
  return list.filter((d) => d.enabled && !d.deleted).map((d) => ({
    name: d.name, aeTitle: d.aeTitle, host: d.host, port: d.port, secondaryCapture: d.secondaryCapture,
  }));
}

function fromRow(row: DestinationSetting) {
  return {
    name: row.name, aeTitle: row.aeTitle, host: row.host, port: row.port, secondaryCapture: row.secondaryCapture,
    enabled: row.enabled, updatedAt: row.updatedAt.toISOString(), updatedBy: row.updatedBy,
  };
}
