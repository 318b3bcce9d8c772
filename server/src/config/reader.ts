// A small typed reader over an untrusted config object: each accessor validates one key and
// names its full path in the error ("processing.strength: expected a number in [0, 1]").
import { ConfigError } from './config.js';

type Obj = Record<string, unknown>;

export class Reader {
  constructor(private readonly obj: Obj, private readonly prefix: string) {}

  path(key: string): string {
    return this.prefix ? `${this.prefix}.${key}` : key;
  }

  /** Unknown keys are errors: a typo must not silently fall back to a default. */
  only(keys: readonly string[]): this {
    for (const key of Object.keys(this.obj)) {
      if (!keys.includes(key)) throw new ConfigError(`${this.path(key)}: unknown setting (known: ${keys.join(', ')})`);
    }
    return this;
  }

  section(key: string): Reader {
    const v = this.obj[key];
    if (v === undefined || v === null) return new Reader({}, this.path(key));
    if (typeof v !== 'object' || Array.isArray(v)) throw new ConfigError(`${this.path(key)}: expected a mapping`);
    return new Reader(v as Obj, this.path(key));
  }

  list(key: string): Reader[] {
    const v = this.obj[key];
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) throw new ConfigError(`${this.path(key)}: expected a list`);
    return v.map((item, i) => {
      if (!item || typeof item !== 'object' || Array.isArray(item)) throw new ConfigError(`${this.path(key)}[${i}]: expected a mapping`);
      return new Reader(item as Obj, `${this.path(key)}[${i}]`);
    });
  }

  optionalString(key: string): string | undefined {
    const v = this.obj[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string') throw new ConfigError(`${this.path(key)}: expected a string`);
    return v;
  }

  /** A boolean, or a string (settings like `secureCookies: auto` or `trustProxy: loopback`). */
  booleanOrString(key: string): boolean | string | undefined {
    const v = this.obj[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'boolean') return v;
    if (typeof v === 'string') return v === 'true' ? true : v === 'false' ? false : v;
    throw new ConfigError(`${this.path(key)}: expected true, false or a word`);
  }

  string(key: string, fallback: string): string {
    return this.optionalString(key) ?? fallback;
  }

  requiredString(key: string): string {
    const v = this.optionalString(key);
    if (v === undefined || v.trim() === '') throw new ConfigError(`${this.path(key)}: required`);
    return v;
  }

  stringList(key: string, fallback: readonly string[]): string[] {
    const v = this.optionalStringOrList(key);
    if (v === undefined) return [...fallback];
    return (typeof v === 'string' ? v.split(',') : [...v]).map((s) => s.trim()).filter((s) => s.length > 0);
  }

  optionalStringOrList(key: string): string | string[] | undefined {
    const v = this.obj[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'string') return v;
    if (Array.isArray(v) && v.every((s) => typeof s === 'string')) return v as string[];
    throw new ConfigError(`${this.path(key)}: expected a list of strings`);
  }

  optionalNumber(key: string): number | undefined {
    const v = this.obj[key];
    if (v === undefined || v === null || v === '') return undefined;
    const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v.trim()) : NaN;
    if (!Number.isFinite(n)) throw new ConfigError(`${this.path(key)}: expected a number, got ${JSON.stringify(v)}`);
    return n;
  }

  number(key: string, fallback: number, min: number, max: number): number {
    const n = this.optionalNumber(key) ?? fallback;
    if (n < min || n > max) throw new ConfigError(`${this.path(key)}: expected a number in [${min}, ${max}], got ${n}`);
    return n;
  }

  integer(key: string, fallback: number | undefined, min: number, max: number): number {
    const n = this.optionalNumber(key) ?? fallback;
    if (n === undefined) throw new ConfigError(`${this.path(key)}: required`);
    if (!Number.isInteger(n) || n < min || n > max) {
      throw new ConfigError(`${this.path(key)}: expected an integer in [${min}, ${max}], got ${n}`);
    }
    return n;
  }

  boolean(key: string, fallback: boolean): boolean {
    const v = this.obj[key];
    if (v === undefined || v === null) return fallback;
    if (typeof v === 'boolean') return v;
    if (v === 'true' || v === '1') return true;
    if (v === 'false' || v === '0') return false;
    throw new ConfigError(`${this.path(key)}: expected true or false, got ${JSON.stringify(v)}`);
  }

  oneOf<T extends string>(key: string, values: readonly T[], fallback: T): T {
    const v = this.optionalString(key) ?? fallback;
    if (!(values as readonly string[]).includes(v)) {
      throw new ConfigError(`${this.path(key)}: expected one of ${values.join(', ')}, got "${v}"`);
    }
    return v as T;
  }
}
