// How an acceptance claim's result is stated (report.md, the CLI, the Evaluate view). Its own
// module, free of the model code, so that the engine can use it without loading TensorFlow.js.

/**
 * `pass` / `fail` by the criterion (the means over folds), marked "within fold noise" when
 * the comparison paired by fold has a 95 % interval that includes 0: a pass by 0.0002 of CCC is
 * then not read as an advantage, nor such a fail as a loss. Without a paired comparison (one
 * fold, or no per-fold results) the criterion alone.
 */
export function claimVerdict(claim: { passed: boolean; paired?: { ci95: readonly [number, number] } | undefined }): 'pass' | 'fail' | 'pass, within fold noise' | 'fail, within fold noise' {
  const word = claim.passed ? 'pass' : 'fail';
  const ci = claim.paired?.ci95;
  if (ci === undefined || !Number.isFinite(ci[0]) || !Number.isFinite(ci[1])) return word;
  return ci[0] > 0 || ci[1] < 0 ? word : `${word}, within fold noise`;
}
