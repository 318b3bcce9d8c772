// The DICOM side of `sharpxr denoise`: which inputs are DICOM, and one file through the
// node's own processing stage (decode -> model -> guard -> derived DICOM object), so the CLI
// writes exactly what the node would send.

import { open } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { ConfigError, parseInteger } from '../config/index.js';
import { isImagePath } from '../imaging/index.js';
import { inThreadDecoder } from '../pipeline/decode/index.js';
import { DEFAULT_GUARD, type GuardOptions } from '../pipeline/guard/index.js';
import type { DescribedDenoiser } from '../pipeline/model-info.js';
import { processInstance, type InstanceTimings, type ProcessedInstanceResult } from '../pipeline/process-instance.js';
import { writeFileAtomic } from '../pipeline/write-derived.js';
import type { Io } from './command.js';

export type InputKind = 'image' | 'dicom';

export interface DicomOptions {
  readonly guard: GuardOptions;
  readonly seriesNumberOffset?: number;
  readonly secondaryCapture: boolean;
}

export const DEFAULT_DICOM_OPTIONS: DicomOptions = { guard: DEFAULT_GUARD, secondaryCapture: false };

export interface DicomFlags {
  readonly strength?: string | undefined;
  readonly seriesOffset?: string | undefined;
  readonly secondaryCapture?: boolean | undefined;
}

/** The DICOM flags as options; a bad value throws with the flag's name. */
export function dicomOptions(flags: DicomFlags): DicomOptions {
  let guard = DEFAULT_GUARD;
  if (flags.strength !== undefined) {
    const strength = flags.strength.trim() === '' ? NaN : Number(flags.strength);
    if (!(strength >= 0 && strength <= 1)) throw new ConfigError(`--strength: expected a number from 0 to 1, got "${flags.strength}"`);
    guard = { ...DEFAULT_GUARD, strength };
  }
  return {
    guard,
    secondaryCapture: flags.secondaryCapture === true,
    ...(flags.seriesOffset !== undefined
      ? { seriesNumberOffset: parseInteger('--series-offset', flags.seriesOffset, 1000, 0, 2 ** 31 - 1) }
      : {}),
  };
}

/** "DICM" at byte 128: a DICOM Part 10 file, whatever its name says. */
export async function hasDicomMagic(path: string): Promise<boolean> {
  const fh = await open(path, 'r');
  try {
    const probe = Buffer.alloc(4);
    const { bytesRead } = await fh.read(probe, 0, 4, 128);
    return bytesRead === 4 && probe.toString('latin1') === 'DICM';
  } finally {
    await fh.close();
  }
}

/**
 * Content first (the DICOM marker), then the name: .dcm and extension-less files are read as
 * DICOM (ACR-NEMA style files have no marker; the decoder says clearly when it is not DICOM),
 * everything else as PNG/JPEG.
 */
export async function inputKind(path: string): Promise<InputKind> {
  if (await hasDicomMagic(path)) return 'dicom';
  const ext = extname(path).toLowerCase();
  return ext === '.dcm' || ext === '' ? 'dicom' : 'image';
}

/**
 * Which files of a folder to take: images and .dcm by name; extension-less files (the usual
 * naming on DICOM media) only when they carry the DICOM marker, so a README is not an error;
 * never DICOMDIR, which indexes images but is none.
 */
export async function takeFromFolder(path: string): Promise<boolean> {
  const name = basename(path);
  if (name.startsWith('.') || name.toUpperCase() === 'DICOMDIR') return false;
  if (isImagePath(path) || extname(name).toLowerCase() === '.dcm') return true;
  return extname(name) === '' && (await hasDicomMagic(path).catch(() => false));
}

/** Denoise one DICOM file into `output`; returns what happened for the report line. */
export async function denoiseDicomFile(
  model: DescribedDenoiser,
  input: string,
  output: string,
  options: DicomOptions,
): Promise<ProcessedInstanceResult> {
  const result = await processInstance({ path: input }, {
    decoder: inThreadDecoder,
    model,
    guard: options.guard,
    derive: {
      secondaryCapture: options.secondaryCapture,
      ...(options.seriesNumberOffset !== undefined ? { seriesNumberOffset: options.seriesNumberOffset } : {}),
    },
  });
  await writeFileAtomic(output, result.derived.bytes);
  return result;
}

/** One line per file: size and depth, the guard's figures, and where the time went. */
export function dicomReportLine(input: string, output: string, r: ProcessedInstanceResult): string {
  const s = r.source;
  const g = r.guard;
  const change = g.maxChangeStored !== undefined ? `${g.maxChangeStored.toFixed(1)} stored` : g.maxChange.toFixed(4);
  const flag = g.flagged ? ` FLAGGED (over ${(100 * g.maxClippedFraction).toFixed(1)} %)` : '';
  return `${input} -> ${output}  ${s.width}x${s.height} ${s.bitsStored}-bit ${s.photometric}  ` +
    `guard: clipped ${(100 * g.clippedFraction).toFixed(2)} %, max change ${change}${flag}  ${timingText(r.timings)}`;
}

function timingText(t: InstanceTimings): string {
  const ms = (v: number): string => `${Math.round(v)}`;
  return `decode ${ms(t.readMs + t.decodeMs)} ms, infer ${ms(t.inferMs)} ms, ` +
    `other ${ms(t.normalizeMs + t.guardMs + t.denormalizeMs + t.encodeMs)} ms, total ${ms(t.totalMs)} ms`;
}

/** Print a DICOM file's outcome; null on success, else the reason (after printing it). */
export async function denoiseDicomJob(model: DescribedDenoiser, input: string, output: string, options: DicomOptions, io: Io): Promise<string | null> {
  try {
    const result = await denoiseDicomFile(model, input, output, options);
    io.out(dicomReportLine(input, output, result));
    return null;
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    io.err(`error: ${input}: ${reason}`);
    return reason;
  }
}
