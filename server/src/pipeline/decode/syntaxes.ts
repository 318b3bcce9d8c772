// What we know about each transfer syntax: how its data set is encoded (byte order, VR style,
// deflate) and how its pixel data is (native, or encapsulated and for which codec). One table,
// so the parser, the frame extractor and the codec dispatch cannot disagree.

import { UnsupportedTransferSyntaxError } from './errors.js';

/** Which decoder turns one encapsulated frame into native samples. */
export type CodecId = 'rle' | 'jpeg' | 'jpeg-ls' | 'jpeg2000' | 'htj2k' | 'jpeg-xl' | 'raw';

export interface TransferSyntax {
  readonly uid: string;
  readonly name: string;
  /** Data set byte order (the pixel data of big endian files is swapped by frames.ts). */
  readonly littleEndian: boolean;
  readonly explicitVr: boolean;
  /** The data set after the meta header is raw deflate (RFC 1951). */
  readonly deflated: boolean;
  /** Absent for native (unencapsulated) pixel data. */
  readonly codec?: CodecId;
  /** The syntax can only carry lossy data; `mayBeLossy` for those that carry either. */
  readonly lossy: boolean;
  readonly mayBeLossy: boolean;
}

export const UID = {
  ImplicitVRLittleEndian: '1.2.840.10008.1.2',
  ExplicitVRLittleEndian: '1.2.840.10008.1.2.1',
  EncapsulatedUncompressed: '1.2.840.10008.1.2.1.98',
  DeflatedExplicitVRLittleEndian: '1.2.840.10008.1.2.1.99',
  ExplicitVRBigEndian: '1.2.840.10008.1.2.2',
  RLELossless: '1.2.840.10008.1.2.5',
  JPEGBaseline: '1.2.840.10008.1.2.4.50',
  JPEGExtended: '1.2.840.10008.1.2.4.51',
  JPEGLossless: '1.2.840.10008.1.2.4.57',
  JPEGLosslessSV1: '1.2.840.10008.1.2.4.70',
  JPEGLSLossless: '1.2.840.10008.1.2.4.80',
  JPEGLSNearLossless: '1.2.840.10008.1.2.4.81',
  JPEG2000Lossless: '1.2.840.10008.1.2.4.90',
  JPEG2000: '1.2.840.10008.1.2.4.91',
  JPEGXLLossless: '1.2.840.10008.1.2.4.110',
  JPEGXL: '1.2.840.10008.1.2.4.112',
  HTJ2KLossless: '1.2.840.10008.1.2.4.201',
  HTJ2KLosslessRPCL: '1.2.840.10008.1.2.4.202',
  HTJ2K: '1.2.840.10008.1.2.4.203',
} as const;

type Row = [uid: string, name: string, codec: CodecId | null, lossy: boolean, mayBeLossy: boolean];

// Native syntaxes first, then encapsulated ones; byte order and VR follow from the UID below.
const ROWS: readonly Row[] = [
  [UID.ImplicitVRLittleEndian, 'Implicit VR Little Endian', null, false, false],
  [UID.ExplicitVRLittleEndian, 'Explicit VR Little Endian', null, false, false],
  [UID.DeflatedExplicitVRLittleEndian, 'Deflated Explicit VR Little Endian', null, false, false],
  [UID.ExplicitVRBigEndian, 'Explicit VR Big Endian', null, false, false],
  [UID.EncapsulatedUncompressed, 'Encapsulated Uncompressed Explicit VR Little Endian', 'raw', false, false],
  [UID.RLELossless, 'RLE Lossless', 'rle', false, false],
  [UID.JPEGBaseline, 'JPEG Baseline (Process 1)', 'jpeg', true, true],
  [UID.JPEGExtended, 'JPEG Extended (Process 2 & 4)', 'jpeg', true, true],
  [UID.JPEGLossless, 'JPEG Lossless, Non-Hierarchical (Process 14)', 'jpeg', false, false],
  [UID.JPEGLosslessSV1, 'JPEG Lossless, Non-Hierarchical, First-Order Prediction (Process 14 SV1)', 'jpeg', false, false],
  [UID.JPEGLSLossless, 'JPEG-LS Lossless', 'jpeg-ls', false, false],
  [UID.JPEGLSNearLossless, 'JPEG-LS Lossy (Near-Lossless)', 'jpeg-ls', true, true],
  [UID.JPEG2000Lossless, 'JPEG 2000 Image Compression (Lossless Only)', 'jpeg2000', false, false],
  [UID.JPEG2000, 'JPEG 2000 Image Compression', 'jpeg2000', false, true],
  [UID.JPEGXLLossless, 'JPEG XL Lossless', 'jpeg-xl', false, false],
  [UID.JPEGXL, 'JPEG XL', 'jpeg-xl', false, true],
  [UID.HTJ2KLossless, 'High-Throughput JPEG 2000 (Lossless Only)', 'htj2k', false, false],
  [UID.HTJ2KLosslessRPCL, 'High-Throughput JPEG 2000 with RPCL Options (Lossless Only)', 'htj2k', false, false],
  [UID.HTJ2K, 'High-Throughput JPEG 2000', 'htj2k', false, true],
];

const SUPPORTED = new Map<string, TransferSyntax>(
  ROWS.map(([uid, name, codec, lossy, mayBeLossy]) => [
    uid,
    {
      uid,
      name,
      littleEndian: uid !== UID.ExplicitVRBigEndian,
      explicitVr: uid !== UID.ImplicitVRLittleEndian,
      deflated: uid === UID.DeflatedExplicitVRLittleEndian,
      ...(codec ? { codec } : {}),
      lossy,
      mayBeLossy,
    },
  ]),
);

// Only so that the error names what the sender used; none of these can be decoded here.
const KNOWN_UNSUPPORTED: Readonly<Record<string, string>> = {
  '1.2.840.10008.1.2.4.100': 'MPEG2 Main Profile / Main Level',
  '1.2.840.10008.1.2.4.100.1': 'Fragmentable MPEG2 Main Profile / Main Level',
  '1.2.840.10008.1.2.4.101': 'MPEG2 Main Profile / High Level',
  '1.2.840.10008.1.2.4.102': 'MPEG-4 AVC/H.264 High Profile / Level 4.1',
  '1.2.840.10008.1.2.4.103': 'MPEG-4 AVC/H.264 BD-compatible High Profile / Level 4.1',
  '1.2.840.10008.1.2.4.104': 'MPEG-4 AVC/H.264 High Profile / Level 4.2 For 2D Video',
  '1.2.840.10008.1.2.4.105': 'MPEG-4 AVC/H.264 High Profile / Level 4.2 For 3D Video',
  '1.2.840.10008.1.2.4.106': 'MPEG-4 AVC/H.264 Stereo High Profile / Level 4.2',
  '1.2.840.10008.1.2.4.107': 'HEVC/H.265 Main Profile / Level 5.1',
  '1.2.840.10008.1.2.4.108': 'HEVC/H.265 Main 10 Profile / Level 5.1',
  '1.2.840.10008.1.2.4.111': 'JPEG XL JPEG Recompression',
  '1.2.840.10008.1.2.4.92': 'JPEG 2000 Part 2 Multi-component (Lossless Only)',
  '1.2.840.10008.1.2.4.93': 'JPEG 2000 Part 2 Multi-component',
  '1.2.840.10008.1.2.4.94': 'JPIP Referenced',
  '1.2.840.10008.1.2.4.95': 'JPIP Referenced Deflate',
  '1.2.840.10008.1.2.4.204': 'JPIP HTJ2K Referenced',
  '1.2.840.10008.1.2.4.205': 'JPIP HTJ2K Referenced Deflate',
  '1.2.840.10008.1.2.6.1': 'RFC 2557 MIME encapsulation',
  '1.2.840.10008.1.2.6.2': 'XML Encoding',
  '1.2.840.10008.1.2.7.1': 'SMPTE ST 2110-20 Uncompressed Progressive Active Video',
};

/** The syntax for a UID, or UnsupportedTransferSyntaxError naming it. */
export function transferSyntax(uid: string): TransferSyntax {
  const known = SUPPORTED.get(uid);
  if (known) return known;
  const retiredJpeg = /^1\.2\.840\.10008\.1\.2\.4\.(5[2-9]|6[0-6])$/.test(uid);
  const name = KNOWN_UNSUPPORTED[uid] ?? (retiredJpeg ? 'retired JPEG process' : 'unknown transfer syntax');
  throw new UnsupportedTransferSyntaxError(uid, name);
}

export function supportedTransferSyntaxes(): readonly TransferSyntax[] {
  return [...SUPPORTED.values()];
}
