export { ModelRunner, type RunnerOptions } from './model-runner.js';
export { ModelContractError, INPUT_NAME, OUTPUT_NAME, intraOpThreads, type ProviderAttempt, type LogFn } from './session.js';
export { readOnnxInfo, type OnnxFileInfo } from './onnx-metadata.js';
export { planTiles, tileSize, tileStarts, axisWeights, TileBlender, type Tile } from './tiling.js';
export { runTiled, runsWhole, tileCount, padMultiple, type RunBatch, type TilePlan, type TileProgress } from './tiled.js';
