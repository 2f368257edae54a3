// Public face of the evaluation (issue 3 item 5): architectures (Hi-MoE, baselines, ablations),
// protocols (LOSO, trial-wise k-fold), robustness perturbations, the run and its report.

export { ABLATIONS, ARCHITECTURES, ARCH_DESCRIPTIONS, BASELINES, LateFusion, archConfig, fixedRegressor, isArchName, lateFusionWeights, trainArchitecture, type ArchName, type ArchTrainOptions, type Regressor } from './architectures.js';
export { EarlyFusion } from './early-fusion.js';
export { PROTOCOLS, losoFolds, makeFolds, subjectKFolds, type Fold, type ProtocolName } from './protocol.js';
export { DEFAULT_ROBUSTNESS_GRID, PERTURBATION_UNITS, perturbExamples, perturbWindow, type Perturbation, type PerturbationKind, type RobustnessGrid } from './robustness.js';
export { EVALUATION_VERSION, FOLD_MODELS_DIR, RUNS_DIR, RUN_JSON, runEvaluation, scoreLabelledTokens, testRegressor, type EvaluateOptions, type EvaluateProgress, type EvaluationRun, type FoldArchResult, type RobustnessResult, type TraceSample } from './evaluate.js';
export { acceptanceClaims, claimVerdict, meanSd, pairedDifference, summarise, writeReport, type ArchSummary, type Claim, type EvaluationReport, type PairedDifference, type RobustnessPoint } from './report.js';
