// Deterministic UIDs for derived objects (issue 3, item 5).
//
// A derived UID is "2.25." followed by the decimal value of a name-based UUID (RFC 9562
// version 5, SHA-1) — the UUID-derived UID form of DICOM PS3.5 Annex B.2. The name is the
// canonical JSON of everything that makes the derived object what it is: which source
// instance (or series), which model and version, which processing parameters, and which SOP
// class we write. So a re-sent or re-processed study yields the same UIDs (the PACS sees the
// same instance again and de-duplicates), while a new model version or new parameters yield
// new ones (a new series beside the old one).
//
// What does NOT enter the name: header-only options (series number offset, description
// suffix, the "not for diagnostic use" text, the clock). Changing those re-labels the same
// derivation; it does not create a new one.

import { createHash } from 'node:crypto';

/**
 * The namespace of every SharpXR derived UID. Generated once at random (crypto.randomUUID)
 * for SharpXR and fixed forever: changing it changes every derived UID, so a re-processed
 * study would no longer de-duplicate against what was sent before.
 */
export const SHARPXR_UID_NAMESPACE = 'b6bea389-fa0d-4318-8db5-abad581a9481';

/** Our File Meta Information Implementation Class UID: uuidToUid(uuidV5('sharpxr/implementation-class')). */
export const SHARPXR_IMPLEMENTATION_CLASS_UID = '2.25.144394380261689742980392520103461275877';

/** Valid DICOM UID: digits and dots, no empty or leading-zero component, at most 64 characters. */
export const UID_PATTERN = /^(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))*$/;

export function isValidUid(uid: string): boolean {
  return uid.length <= 64 && UID_PATTERN.test(uid);
}

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** RFC 9562 version 5 UUID of `name` (UTF-8) in `namespace`. */
export function uuidV5(name: string, namespace: string = SHARPXR_UID_NAMESPACE): string {
  if (!UUID_PATTERN.test(namespace)) throw new TypeError(`not a UUID: ${namespace}`);
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  const hash = createHash('sha1').update(ns).update(Buffer.from(name, 'utf8')).digest();
  const bytes = hash.subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50; // version 5
  bytes[8] = (bytes[8]! & 0x3f) | 0x80; // RFC 4122/9562 variant
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** "2.25." + the UUID as an unsigned 128-bit decimal (at most 44 characters, no leading zeros). */
export function uuidToUid(uuid: string): string {
  if (!UUID_PATTERN.test(uuid)) throw new TypeError(`not a UUID: ${uuid}`);
  return `2.25.${BigInt(`0x${uuid.replace(/-/g, '')}`).toString(10)}`;
}

/**
 * JSON with object keys sorted at every level, so equal parameters give equal names whatever
 * order they were written in. Only JSON data is accepted: a non-finite number, a function, a
 * bigint or a cycle throws instead of silently becoming null or vanishing.
 */
export function canonicalJson(value: unknown): string {
  const seen = new Set<object>();
  const walk = (v: unknown, path: string): string => {
    if (v === null || typeof v === 'boolean' || typeof v === 'string') return JSON.stringify(v);
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) throw new TypeError(`canonicalJson: ${path} is ${v}, not a finite number`);
      return JSON.stringify(Object.is(v, -0) ? 0 : v);
    }
    if (typeof v !== 'object') throw new TypeError(`canonicalJson: ${path} is a ${typeof v}, not JSON data`);
    if (seen.has(v)) throw new TypeError(`canonicalJson: ${path} is a cycle`);
    seen.add(v);
    let out: string;
    if (Array.isArray(v)) {
      out = `[${v.map((x, i) => walk(x, `${path}[${i}]`)).join(',')}]`;
    } else {
      const keys = Object.keys(v)
        .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
        .sort();
      out = `{${keys.map((k) => `${JSON.stringify(k)}:${walk((v as Record<string, unknown>)[k], `${path}.${k}`)}`).join(',')}}`;
    }
    seen.delete(v);
    return out;
  };
  return walk(value, 'value');
}

/** What a derivation is: the model, its version, and the parameters that change the pixels. */
export interface DerivationKey {
  /** Model id (the model's name in models/manifest.json). */
  modelName: string;
  modelVersion: string;
  /** Processing parameters (strength, guard settings, ...); canonicalised, so key order is irrelevant. */
  params?: Readonly<Record<string, unknown>>;
  /** SOP Class UID written: a Secondary Capture rendering is a different object from a same-class one. */
  sopClassUid: string;
}

function derivedUid(kind: 'series' | 'instance', sourceUid: string, key: DerivationKey): string {
  if (!sourceUid) throw new TypeError(`derived ${kind} UID: the source UID is empty`);
  if (!key.modelName || !key.modelVersion) throw new TypeError(`derived ${kind} UID: model name and version are required`);
  const name = canonicalJson({
    scheme: `sharpxr-derived-${kind}/1`,
    source: sourceUid,
    model: key.modelName,
    version: key.modelVersion,
    params: key.params ?? {},
    sopClass: key.sopClassUid,
  });
  return uuidToUid(uuidV5(name));
}

/** Series Instance UID of the derived series: one per (source series, derivation). */
export function derivedSeriesInstanceUid(sourceSeriesInstanceUid: string, key: DerivationKey): string {
  return derivedUid('series', sourceSeriesInstanceUid, key);
}

/** SOP Instance UID of the derived instance: one per (source instance, derivation). */
export function derivedSopInstanceUid(sourceSopInstanceUid: string, key: DerivationKey): string {
  return derivedUid('instance', sourceSopInstanceUid, key);
}
