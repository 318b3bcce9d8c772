// Decoding of every transfer syntax a radiograph arrives in (issue 3, item 6).
export { decodePixels, decodeParsed, initDecoders, type DecodedImage } from './decode.js';
export { parseDicom, MAX_INFLATED_BYTES, type ParseOptions, type ParsedDicom } from './parse.js';
export { DecodeError, MalformedDicomError, UnsupportedImageError, UnsupportedTransferSyntaxError } from './errors.js';
export { transferSyntax, supportedTransferSyntaxes, UID as TransferSyntaxUID, type TransferSyntax, type CodecId } from './syntaxes.js';
export type { Photometric } from './attributes.js';
export type { StoredPixels } from './pixels.js';
export type { DcmjsDict, DcmjsElement } from './dcmjs.js';
export { decodeInstance, inThreadDecoder, type DecodedInstance, type InstanceDecoder } from './decode-instance.js';
