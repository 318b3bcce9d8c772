export * from './types.js';
export { sendInstance, sendInstances, echoDestination } from './scu.js';
export { classifyStatus, classifyRejection } from './classify.js';
export { explicitToImplicit, readPart10, InvalidInstanceError, EXPLICIT_VR_LE, IMPLICIT_VR_LE } from './part10.js';
