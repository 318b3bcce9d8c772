// Training runs on the node (issue 8, "Training"): the Python trainer as a low-priority child,
// its JSON lines as live progress, one run at a time with a persisted queue, evaluation when a
// run ends and "register as model". server/src/api/routes/training.ts is the HTTP side.
export { inspectDataset, holdoutFor, type DatasetInfo, type DatasetLayout } from './dataset.js';
export { TrainingManager, type TrainingManagerOptions, type TrainingAudit } from './manager.js';
export { hyperSchema, noiseSchema, planStages, stageOverrides, startSchema, STAGE_CHOICES, type Hyper, type NoiseChoice, type StageChoice, type StartParams } from './params.js';
export { findPreset, listPresets, type Preset, type PresetDefaults } from './presets.js';
export { applyLine, etaSeconds, fraction, MAX_POINTS, type RunProgress } from './progress.js';
export { findPython, isTrainerOf, NICE, niceOf, runTraining } from './python.js';
export { defaultModelName } from './register.js';
export { RUN_STATES, type RunDetail, type RunState, type RunSummary } from './views.js';
export { startNodeTraining } from './node-training.js';
