export * from './config.js';
export * from './manifest.js';
export * from './node-config.js';
export { ENV_KEYS, applyEnvOverrides, parseDestinationsEnv } from './node-env.js';
export { DEFAULT_DICOMWEB_URL, maskCredentials, type BasicCredentials, type ViewerConfig } from './viewer-config.js';
