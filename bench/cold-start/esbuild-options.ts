/**
 * The esbuild build options CDK's NodejsFunction uses for a function's bundling settings, for the JS API.
 * Mirrors `Bundling.buildEsbuildArgs` in aws-cdk-lib/aws-lambda-nodejs for the settings the house construct uses
 * (test/bench/cold-start-bundling.test.ts compares the result with the arguments CDK passes to esbuild); any
 * other setting throws, so a new house setting cannot be silently left out of the benchmark.
 */
import { join } from 'node:path';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import type { BuildOptions } from 'esbuild';

/** Settings this mirror translates; GatewayFunction sets no others. */
const MIRRORED: ReadonlySet<string> = new Set(['minify', 'sourceMap', 'target', 'externalModules', 'define']);

export interface BundleTarget {
  /** The entry file (absolute). */
  readonly entry: string;
  readonly bundling: nodejs.BundlingOptions;
}

/**
 * Build options for `target`, writing `index.js` (and `index.js.map`) into `outdir` as CDK writes its asset.
 * `projectRoot` is the working directory CDK runs esbuild in (the lock file's folder).
 */
export function esbuildOptionsFor(target: BundleTarget, outdir: string, projectRoot: string): BuildOptions {
  const unmirrored = Object.keys(target.bundling).filter(
    (key) => !MIRRORED.has(key) && target.bundling[key as keyof nodejs.BundlingOptions] !== undefined,
  );
  if (unmirrored.length > 0) {
    throw new Error(`esbuildOptionsFor: bundling option(s) ${unmirrored.join(', ')} not mirrored (${target.entry})`);
  }
  const { minify, sourceMap, target: esTarget, externalModules, define } = target.bundling;
  // CDK leaves @aws-sdk/* out when externalModules is unset; house functions always say what they leave out.
  if (externalModules === undefined) throw new Error(`esbuildOptionsFor: externalModules unset (${target.entry})`);
  if (esTarget === undefined) throw new Error(`esbuildOptionsFor: target unset (${target.entry})`);
  return {
    absWorkingDir: projectRoot,
    entryPoints: [target.entry],
    bundle: true,
    target: esTarget,
    platform: 'node',
    outfile: join(outdir, 'index.js'),
    minify: minify === true,
    // CDK's `--sourcemap` (no value): a linked index.js.map with sources content.
    sourcemap: sourceMap === true,
    external: [...externalModules],
    define: { ...define },
  };
}
