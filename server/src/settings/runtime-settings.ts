// RuntimeSettings: what the console manages (destinations, selection rules, node settings),
// layered over the config file and applied without a restart.
//   - The config file (and SHARPXR_* variables) stay the defaults; console changes live in
//     DestinationSetting and Setting rows and are shown as such.
//   - destinations(), rules(), guardPolicy() and retentionDays() always answer the current
//     effective value: main.ts hands the worker and the ingest sink functions that read them,
//     so a change applies to the next job (a job in flight keeps what it started with).
//   - Node settings bound at start (ports, AE title, storage folder) are stored and applied
//     at the next start (startupConfig); the settings view says which ones wait for it.
// Writes go one at a time (serial) so two quick edits cannot interleave their read-modify-write.
import type { DestinationSetting, Setting } from '@prisma/client';
import type { NodeConfig } from '../config/index.js';
import type { Database } from '../db/index.js';
import type { Destination } from '../export/index.js';
import type { RuleSet } from '../rules/index.js';
import { SETTINGS, settingDef, settingKey, type SettingId } from './definitions.js';
import { overlayDestinations, sendable, type EffectiveDestination } from './destinations.js';
import { DestinationStore, type DestinationChange, type DestinationEdit } from './destination-store.js';
import { consoleValues, inputsOf, settingViews, validatePatch, withConsoleValues, type ConsoleValues, type SettingsPatch, type SettingView } from './node-settings.js';
import { parseRulesInput, RULES_KEY, rulesState, type RulesState } from './rules-setting.js';

export type SettingsChange =
  | { readonly kind: 'destinations'; readonly destinations: readonly Destination[] }
  | { readonly kind: 'rules'; readonly source: RulesState['source'] }
  | { readonly kind: 'settings'; readonly ids: readonly SettingId[] };

export interface Change<T> {
  readonly before: T;
  readonly after: T;
}

export interface SettingsLogger {
  warn(fields: Record<string, unknown>, msg: string): void;
}

export class RuntimeSettings {
  private listeners = new Set<(change: SettingsChange) => void>();
  private chain: Promise<unknown> = Promise.resolve();
  private effective: EffectiveDestination[];
  private rulesNow: RulesState;
  private values: ConsoleValues;
  private runningConfig: NodeConfig;
  private readonly store: DestinationStore;

  /** Reads the console's rows; `config` is the config file's (and environment's) configuration. */
  static async load(db: Database, config: NodeConfig, log?: SettingsLogger): Promise<RuntimeSettings> {
    const [destinations, settings] = await Promise.all([db.destinationSetting.findMany(), db.setting.findMany()]);
    return new RuntimeSettings(db, config, destinations, settings, log);
  }

  private constructor(private readonly db: Database, readonly fileConfig: NodeConfig, rows: DestinationSetting[], settings: Setting[], private readonly log?: SettingsLogger) {
    this.store = new DestinationStore(db, fileConfig.destinations);
    this.effective = overlayDestinations(fileConfig.destinations, rows);
    this.rulesNow = rulesState(fileConfig.rules, settings.find((s) => s.key === RULES_KEY) ?? null);
    if (this.rulesNow.ignoredConsoleRules) log?.warn({ issues: this.rulesNow.ignoredConsoleRules }, 'console rules ignored (invalid); using the config file\'s');
    this.values = consoleValues(fileConfig, settings, (msg) => log?.warn({}, msg));
    this.runningConfig = startupValues(fileConfig, this.values, log);
  }

  /** The configuration the node starts with: the file's, with every console setting applied. */
  get startupConfig(): NodeConfig {
    return this.runningConfig;
  }

  /** Destinations a job is sent to now (enabled, not deleted). */
  destinations(): readonly Destination[] {
    return sendable(this.effective);
  }

  /** Every destination the console shows, including disabled and deleted config ones. */
  listDestinations(): readonly EffectiveDestination[] {
    return this.effective;
  }

  destination(name: string): EffectiveDestination | undefined {
    return this.effective.find((d) => d.name === name);
  }

  rules(): RuleSet {
    return this.rulesNow.rules;
  }

  rulesState(): RulesState {
    return this.rulesNow;
  }

  guardPolicy(): NodeConfig['processing']['guard']['policy'] {
    return this.runningConfig.processing.guard.policy;
  }

  retentionDays(): number {
    return this.runningConfig.retentionDays;
  }

  settings(): SettingView[] {
    return settingViews(this.fileConfig, this.runningConfig, this.values);
  }

  onChange(listener: (change: SettingsChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  createDestination(edit: DestinationEdit, actor: string): Promise<Change<EffectiveDestination | null>> {
    return this.destinationOp((current) => this.store.create(current, edit, actor));
  }

  updateDestination(name: string, edit: DestinationEdit, actor: string): Promise<Change<EffectiveDestination | null>> {
    return this.destinationOp((current) => this.store.update(current, name, edit, actor));
  }

  deleteDestination(name: string, actor: string): Promise<Change<EffectiveDestination | null>> {
    return this.destinationOp((current) => this.store.remove(current, name, actor));
  }

  /** Drops the console's override of a config destination: the file's values apply again. */
  revertDestination(name: string): Promise<Change<EffectiveDestination | null>> {
    return this.destinationOp((current) => this.store.revert(current, name));
  }

  /** Validates (RulesError lists every problem) and stores the console's rule set. */
  setRules(input: { rules?: unknown; yaml?: string }, actor: string): Promise<Change<RulesState>> {
    return this.serial(async () => {
      const { raw } = parseRulesInput(input);
      const now = new Date();
      const data = { valueJson: JSON.stringify(raw), updatedAt: now, updatedBy: actor };
      const row = await this.db.setting.upsert({ where: { key: RULES_KEY }, create: { key: RULES_KEY, ...data }, update: data });
      return this.replaceRules(rulesState(this.fileConfig.rules, row));
    });
  }

  /** Back to the config file's rules (or the defaults). */
  resetRules(): Promise<Change<RulesState>> {
    return this.serial(async () => {
      await this.db.setting.delete({ where: { key: RULES_KEY } }).catch(ignoreMissing);
      return this.replaceRules(rulesState(this.fileConfig.rules, null));
    });
  }

  /** Validates every value like the config file; null returns a setting to its config value. */
  updateSettings(patch: SettingsPatch, actor: string): Promise<Change<SettingView[]> & { changed: SettingId[] }> {
    return this.serial(async () => {
      const before = this.settings();
      const valid = await validatePatch(this.fileConfig, patch);
      for (const [id, value] of valid) await this.writeSetting(id, value, actor);
      const rows = await this.db.setting.findMany();
      this.values = consoleValues(this.fileConfig, rows, (msg) => this.log?.warn({}, msg));
      // Live settings follow at once; the others keep what the node started with.
      for (const def of SETTINGS.filter((d) => d.live)) {
        this.runningConfig = def.apply(this.runningConfig, this.values.get(def.id)?.value ?? def.read(this.fileConfig));
      }
      const after = this.settings();
      const changed = after.filter((a, i) => JSON.stringify(a) !== JSON.stringify(before[i])).map((a) => a.id);
      if (changed.length > 0) this.emit({ kind: 'settings', ids: changed });
      return { before, after, changed };
    });
  }

  private async writeSetting(id: SettingId, value: string | number | null, actor: string): Promise<void> {
    const key = settingKey(settingDef(id));
    if (value === null) {
      await this.db.setting.delete({ where: { key } }).catch(ignoreMissing);
      return;
    }
    const data = { valueJson: JSON.stringify(value), updatedAt: new Date(), updatedBy: actor };
    await this.db.setting.upsert({ where: { key }, create: { key, ...data }, update: data });
  }

  private replaceRules(next: RulesState): Change<RulesState> {
    const before = this.rulesNow;
    this.rulesNow = next;
    this.emit({ kind: 'rules', source: next.source });
    return { before, after: next };
  }

  private destinationOp(op: (current: readonly EffectiveDestination[]) => Promise<DestinationChange>): Promise<Change<EffectiveDestination | null>> {
    return this.serial(async () => {
      const { before, name } = await op(this.effective);
      this.effective = overlayDestinations(this.fileConfig.destinations, await this.db.destinationSetting.findMany());
      this.emit({ kind: 'destinations', destinations: this.destinations() });
      return { before, after: this.destination(name) ?? null };
    });
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => {});
    return run;
  }

  private emit(change: SettingsChange): void {
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch (err) {
        this.log?.warn({ err: (err as Error).message }, 'settings change listener failed');
      }
    }
  }
}

/**
 * The console's values applied at start, said in the log. A port or AE title set in the console
 * that keeps the node from starting would lock the admin out of the console too:
 * SHARPXR_IGNORE_CONSOLE_SETTINGS=1 starts with the file's values for those (still stored and
 * shown as waiting for a restart, so they can be corrected or removed from the console).
 */
function startupValues(fileConfig: NodeConfig, values: ConsoleValues, log?: SettingsLogger): NodeConfig {
  const ignore = inputsOf(fileConfig).env.SHARPXR_IGNORE_CONSOLE_SETTINGS === '1';
  const bound = SETTINGS.filter((d) => !d.live && values.has(d.id));
  if (bound.length > 0) {
    const applied = Object.fromEntries(bound.map((d) => [settingKey(d), values.get(d.id)!.value]));
    log?.warn({ settings: applied, ignored: ignore },
      ignore ? 'console settings NOT applied at start (SHARPXR_IGNORE_CONSOLE_SETTINGS=1): the config file\'s values are used'
        : 'console settings override the config file at start (if the node cannot start with them, start it with SHARPXR_IGNORE_CONSOLE_SETTINGS=1 and fix them in the console)');
  }
  return withConsoleValues(fileConfig, values, ignore ? (d) => d.live : undefined);
}

/** Deleting a row that is not there: the end state is the same. */
function ignoreMissing(err: unknown): void {
  if ((err as { code?: string }).code !== 'P2025') throw err;
}
