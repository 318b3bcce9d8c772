// Encapsulated frame -> native little-endian samples.
//
// Why dcmjs-codecs (0.0.8) and nothing else: its one WebAssembly module (4 MB) builds DCMTK's
// IJG 8/12/16-bit JPEG (baseline, extended 12-bit, lossless process 14 with any predictor) and
// RLE codecs, CharLS (JPEG-LS lossless and near-lossless), OpenJPEG (JPEG 2000), OpenJPH
// (HTJ2K) and libjxl, so every syntax we promise comes from a single package with no install
// script of its own. Its author also wrote dcmjs-dimse, which depends on it, so the listener
// adds nothing on top. It decodes every file in ../shared/data/dicom pixel-identical to the
// references (tests/server/decode.test.ts). The alternatives, from npm view: the
// @cornerstonejs/codec-* family (openjpeg, charls, libjpeg-turbo-8bit, openjph) is four
// packages with no 12-bit JPEG, no lossless JPEG and no RLE, so it would still need
// jpeg-lossless-decoder-js, a 12-bit JPEG decoder and our own RLE.
// We call its NativeCodecs directly: its Transcoder does not accept JPEG extended (.4.51) or
// lossless process 14 (.4.57), and reads files only through dcmjs's Part 10 reader.
//
// A WebAssembly trap (corrupt codestream hitting an abort) or a codec exception thrown through
// the module leaves its memory in an unknown state with the frame's buffers never freed, so
// after any failure the instance is dropped and a fresh one is made before the next decode.
// Decoding is synchronous inside the module: a 2000x2128 JPEG 2000 frame holds the event loop
// for ~0.7 s, so a server should decode in a worker thread, not on its network thread.

import type { PixelAttributes } from './attributes.js';
import { dcmjsCodecs } from './dcmjs.js';
import { MalformedDicomError } from './errors.js';
import { frameByteLength } from './frames.js';
import { codestreamPrecision } from './precision.js';
import type { CodecId } from './syntaxes.js';

const { NativeCodecs, Context } = dcmjsCodecs;

type NativeDecoder = 'decodeRle' | 'decodeJpeg' | 'decodeJpegLs' | 'decodeJpeg2000' | 'decodeHtJpeg2000' | 'decodeJpegXl';

const DECODERS: Record<Exclude<CodecId, 'raw'>, { fn: NativeDecoder; label: string }> = {
  rle: { fn: 'decodeRle', label: 'RLE' },
  jpeg: { fn: 'decodeJpeg', label: 'JPEG' },
  'jpeg-ls': { fn: 'decodeJpegLs', label: 'JPEG-LS' },
  jpeg2000: { fn: 'decodeJpeg2000', label: 'JPEG 2000' },
  htj2k: { fn: 'decodeHtJpeg2000', label: 'HTJ2K' },
  'jpeg-xl': { fn: 'decodeJpegXl', label: 'JPEG XL' },
};

let ready: Promise<void> | undefined;

/** Instantiate the codec module once (tens of ms); later calls reuse it. */
export function initCodecs(): Promise<void> {
  if (NativeCodecs.isInitialized() && !ready) ready = Promise.resolve(); // someone else did it
  ready ??= NativeCodecs.initializeAsync().catch((err: unknown) => {
    ready = undefined;
    throw err;
  });
  return ready;
}

function dropInstance(): void {
  NativeCodecs.release();
  ready = undefined;
}

/**
 * Decode one frame. The result holds width x height samples of bitsAllocated bits, little
 * endian, exactly as the codec produced them (masking to Bits Stored happens in pixels.ts).
 */
export async function decodeFrame(codec: CodecId, frame: Uint8Array, attrs: PixelAttributes): Promise<Uint8Array> {
  if (codec === 'raw') return frame.slice(0, checkedLength(frame, attrs, 'encapsulated uncompressed'));
  const { fn, label } = DECODERS[codec];
  // Another decode may have failed and dropped the instance while this one awaited it.
  for (let attempt = 0; attempt < 3 && !NativeCodecs.isInitialized(); attempt++) await initCodecs();
  // An 8-bit codestream in a 16-bit object: have the codec return 8-bit samples, then widen.
  const narrow = attrs.bitsAllocated === 16 && (codestreamPrecision(codec, frame) ?? 16) <= 8;
  const asDecoded: PixelAttributes = narrow ? { ...attrs, bitsAllocated: 8, bitsStored: Math.min(attrs.bitsStored, 8) } : attrs;
  const decoded = runNative(fn, label, frame, asDecoded);
  const samples = decoded.subarray(0, checkedLength(decoded, asDecoded, label));
  return narrow ? widen(samples) : samples;
}

function runNative(fn: NativeDecoder, label: string, frame: Uint8Array, attrs: PixelAttributes): Uint8Array {
  try {
    const context = new Context({
      width: attrs.width,
      height: attrs.height,
      bitsAllocated: attrs.bitsAllocated,
      bitsStored: attrs.bitsStored,
      samplesPerPixel: attrs.samplesPerPixel,
      pixelRepresentation: attrs.pixelRepresentation,
      planarConfiguration: 0,
      photometricInterpretation: attrs.photometric,
      encodedBuffer: frame,
    });
    const out = NativeCodecs[fn](context, {});
    if (out.getWidth() !== attrs.width || out.getHeight() !== attrs.height) {
      throw new MalformedDicomError(`${label} codestream is ${out.getWidth()}x${out.getHeight()}, header says ${attrs.width}x${attrs.height}`);
    }
    const decoded = out.getDecodedBuffer();
    if (!decoded) throw new MalformedDicomError(`${label} decoder returned no pixels`);
    return decoded;
  } catch (err) {
    dropInstance();
    if (err instanceof MalformedDicomError) throw err;
    throw new MalformedDicomError(`${label} decoder failed: ${(err as Error).message}`, { cause: err });
  }
}

/** 8-bit samples -> 16-bit little-endian words; pixels.ts sign-extends from Bits Stored. */
function widen(samples: Uint8Array): Uint8Array {
  const out = new Uint8Array(samples.length * 2);
  for (let i = 0; i < samples.length; i++) out[2 * i] = samples[i]!;
  return out;
}

function checkedLength(bytes: Uint8Array, attrs: PixelAttributes, label: string): number {
  const need = frameByteLength(attrs);
  if (bytes.length < need) throw new MalformedDicomError(`${label} frame decodes to ${bytes.length} bytes, ${need} expected`);
  return need;
}
