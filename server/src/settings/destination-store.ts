// Writes of the console's destinations (DestinationSetting rows), one statement each (no
// transactions or *Many: see db/database.ts). Every input is validated by the config file's
// parser first (validate.ts); names are never changed (deliveries are recorded by name).
import type { DestinationConfig } from '../config/index.js';
import type { Database } from '../db/index.js';
import { HttpError } from '../http/errors.js';
import type { EffectiveDestination } from './destinations.js';
import { validateDestination, ValidationError, type DestinationInput } from './validate.js';

export interface DestinationEdit extends DestinationInput {
  readonly enabled?: boolean | undefined;
}

export interface DestinationChange {
  readonly before: EffectiveDestination | null;
  /** The destination's name (to find its effective state after the write). */
  readonly name: string;
}

export class DestinationStore {
  constructor(private readonly db: Database, private readonly config: readonly DestinationConfig[]) {}

  async create(current: readonly EffectiveDestination[], edit: DestinationEdit, actor: string): Promise<DestinationChange> {
    const valid = validateDestination(edit);
    const existing = current.find((d) => d.name === valid.name);
    if (existing && !existing.deleted) throw new HttpError(409, `a destination named "${valid.name}" exists already (${existing.source}); edit it instead`);
    await this.write(valid, edit.enabled ?? true, actor);
    return { before: existing ?? null, name: valid.name };
  }

  async update(current: readonly EffectiveDestination[], name: string, edit: DestinationEdit, actor: string): Promise<DestinationChange> {
    const existing = this.visible(current, name);
    if (edit.name !== undefined && edit.name !== name) {
      throw new ValidationError([{ field: 'name', message: 'name: a destination cannot be renamed (its deliveries are recorded by name); add a new one and delete this one' }]);
    }
    const merged = { ...pick(existing), ...definedOnly(edit), name };
    const valid = validateDestination(merged);
    await this.write(valid, edit.enabled ?? existing.enabled, actor);
    return { before: existing, name };
  }

  /** A console destination's row goes; a config destination is hidden by a deleted row. */
  async remove(current: readonly EffectiveDestination[], name: string, actor: string): Promise<DestinationChange> {
    const existing = this.visible(current, name);
    const fromConfig = this.config.find((d) => d.name === name);
    if (!fromConfig) await this.db.destinationSetting.delete({ where: { name } });
    else await this.upsert(fromConfig, { enabled: existing.enabled, deleted: true }, actor);
    return { before: existing, name };
  }

  async revert(current: readonly EffectiveDestination[], name: string): Promise<DestinationChange> {
    const existing = current.find((d) => d.name === name);
    if (!existing) throw new HttpError(404, `no destination named "${name}"`);
    if (existing.source !== 'console-override') {
      throw new HttpError(409, existing.source === 'config' ? `"${name}" already has the config file's values` : `"${name}" was added in the console; there is no config file version to return to`);
    }
    await this.db.destinationSetting.delete({ where: { name } });
    return { before: existing, name };
  }

  private visible(current: readonly EffectiveDestination[], name: string): EffectiveDestination {
    const existing = current.find((d) => d.name === name && !d.deleted);
    if (!existing) throw new HttpError(404, `no destination named "${name}"`);
    return existing;
  }

  private write(valid: DestinationConfig, enabled: boolean, actor: string): Promise<unknown> {
    return this.upsert(valid, { enabled, deleted: false }, actor);
  }

  private upsert(d: DestinationConfig, flags: { enabled: boolean; deleted: boolean }, actor: string): Promise<unknown> {
    const now = new Date();
    const fields = { aeTitle: d.aeTitle, host: d.host, port: d.port, secondaryCapture: d.secondaryCapture, ...flags, updatedAt: now, updatedBy: actor };
    return this.db.destinationSetting.upsert({
      where: { name: d.name },
      create: { name: d.name, ...fields, createdAt: now },
      update: fields,
    });
  }
}

function pick(d: EffectiveDestination): DestinationInput {
  return { name: d.name, aeTitle: d.aeTitle, host: d.host, port: d.port, secondaryCapture: d.secondaryCapture };
}

function definedOnly(edit: DestinationEdit): DestinationInput {
  const { enabled: _enabled, ...rest } = edit;
  return Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined));
}
