export * from './config.js';
export * from './manifest.js';
