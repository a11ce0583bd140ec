/**
 * Linear-time checks that do not depend on the machine's speed: time the same work on an input and on one
 * `factor` times larger, best of a few runs each, and compare. Linear work grows by about `factor`, quadratic work
 * by `factor²`; a busy or instrumented (coverage) run slows both sides alike. Absolute figures belong in the
 * benchmark (`npm run bench:pii`), not in a test.
 */
function bestOf(runs: number, work: () => void): number {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    work();
    best = Math.min(best, performance.now() - started);
  }
  return best;
}

/** How much slower `work` is on the large input than on the small one (a ratio; linear ≈ `factor`). */
export function growthRatio(work: (input: string) => void, small: string, factor: number, runs = 5): number {
  const large = small.repeat(factor);
  work(small); // warm up the JIT on this code path
  const smallMs = Math.max(
    bestOf(runs, () => work(small)),
    0.05,
  );
  const largeMs = bestOf(runs, () => work(large));
  return largeMs / smallMs;
}
