export * from './gray.js';
export * from './image.js';
export { decodePng, encodePng } from './png.js';
export { decodeJpeg } from './jpeg.js';
