// Baseline/progressive 8-bit JPEG via jpeg-js (pure JavaScript, no native build).
import jpeg from 'jpeg-js';
import { toGray, type GrayImage } from './gray.js';

// jpeg-js refuses images above these by default (100 MP, 512 MB); a large detector
// image is ~10 MP, so the defaults are raised only modestly to stay a guard.
const MAX_MEGAPIXELS = 200;
const MAX_MEMORY_MB = 2048;

export function decodeJpeg(data: Buffer): GrayImage {
  const decoded = jpeg.decode(data, {
    useTArray: true,
    formatAsRGBA: false,
    maxResolutionInMP: MAX_MEGAPIXELS,
    maxMemoryUsageInMB: MAX_MEMORY_MB,
  });
  // jpeg-js expands gray JPEGs to RGB (r = g = b), which toGray takes back unchanged.
  const pixels = toGray(decoded.data, 3, decoded.width * decoded.height, 255);
  return { width: decoded.width, height: decoded.height, pixels, bitDepth: 8 };
}
