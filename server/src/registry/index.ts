export { ModelRegistry, label, type RegisterOptions, type Registered, type RegistryAudit, type RegistryOptions, type ShippedEntry } from './registry.js';
export { MODEL_SOURCES, MODEL_STATUSES, modelSubject, type ModelRecord, type ModelSource, type ModelStatus } from './records.js';
export { ModelRejectedError, type CheckResult, type SelfCheckFigures, type TensorInfo, type ValidationReport } from './report.js';
export { SELF_CHECK, defaultFixturePath } from './self-check.js';
export { validateModelFile, type ValidateOptions } from './validate.js';
export { syncShippedModels, type SyncOptions, type SyncReport } from './shipped.js';
export { ModelUnavailableError, nodeParamsHash, registryDenoiser, registryJobSpecs, type JobSpecs, type NodeParams } from './job-models.js';
export { jobCounts, modelView, modelViews, type JobCounts, type ModelView } from './views.js';
export { systemAudit } from './system-audit.js';
