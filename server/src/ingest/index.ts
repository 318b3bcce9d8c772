// The DICOM listener (C-ECHO and C-STORE SCP) and what it hands to the rest of the node.
export { startListener, DEFAULT_MAX_PDU_LENGTH, type Listener, type ListenerOptions } from './listener.js';
export { ACCEPTED_STORAGE_SOP_CLASSES, VERIFICATION_SOP_CLASS, decideAeTitles, decideContext, type ContextDecision } from './negotiation.js';
export type { StoreResult } from './scp.js';
export { STATUS as CSTORE_STATUS, isSafeUid } from './header.js';
export { NOOP_LOGGER, type IngestLogger, type LogFields } from './logger.js';
export type { IngestOutcome, IngestSink, InstanceHeader, StoredInstance } from './types.js';
