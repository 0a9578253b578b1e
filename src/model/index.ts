// Public names of model folders: write, read, load and predict. Main thread (tfjs loaded lazily, by
// loadModel only).
export { checkModelDirTarget, MODEL_JSON, META_JSON, WEIGHTS_BIN, modelJson, readModelDir, topologyShape, weightBytes, writeModelDir } from './model-files.js';
export { loadArtifact, loadModel, predict, saveModel, type LoadedModel, type Prediction, type PredictRows } from './predict.js';
