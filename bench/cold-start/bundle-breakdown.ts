/**
 * What a bundle is made of, from esbuild's metafile: bytes in the output per package and per package family,
 * and the bytes reachable from the entry only through dynamic `import()` (code a request may never need, which a
 * single-file bundle still ships and the runtime still has to read and pre-parse at init).
 */
import type { Metafile } from 'esbuild';

/** Package families the cold-start issue tracks, in the order they are printed. */
export const FAMILIES = [
  '@aws-sdk/*',
  '@smithy/*',
  '@anthropic-ai/sdk',
  'zod',
  '@aws-lambda-powertools/*',
  'own code',
  'other packages',
] as const;
export type Family = (typeof FAMILIES)[number];

export interface BundleBreakdown {
  /** Bytes of the output file (esbuild's count; equals the file size). */
  readonly outputBytes: number;
  /** Bytes per package name (`@aws-sdk/client-s3`, `zod`, ...; own code is `(own code)`), largest first. */
  readonly packages: ReadonlyArray<{ readonly name: string; readonly bytes: number }>;
  readonly families: Readonly<Record<Family, number>>;
  /** Bytes of inputs that only dynamic imports reach from the entry. */
  readonly dynamicOnlyBytes: number;
  /** The largest packages among those dynamic-only inputs. */
  readonly dynamicOnlyPackages: ReadonlyArray<{ readonly name: string; readonly bytes: number }>;
}

const OWN_CODE = '(own code)';

/** The npm package an input path belongs to (the last node_modules segment wins), or `(own code)`. */
export function packageOf(inputPath: string): string {
  const marker = 'node_modules/';
  const at = inputPath.lastIndexOf(marker);
  if (at < 0) return OWN_CODE;
  const [first, second] = inputPath.slice(at + marker.length).split('/');
  if (first === undefined) return OWN_CODE;
  return first.startsWith('@') && second !== undefined ? `${first}/${second}` : first;
}

export function familyOf(packageName: string): Family {
  if (packageName === OWN_CODE) return 'own code';
  if (packageName.startsWith('@aws-sdk/')) return '@aws-sdk/*';
  if (packageName.startsWith('@smithy/')) return '@smithy/*';
  if (packageName === '@anthropic-ai/sdk') return '@anthropic-ai/sdk';
  if (packageName === 'zod') return 'zod';
  if (packageName.startsWith('@aws-lambda-powertools/')) return '@aws-lambda-powertools/*';
  return 'other packages';
}

/** Breaks down the single output of `metafile` (a bundle built with `outfile`). */
export function breakDown(metafile: Metafile): BundleBreakdown {
  const outputs = Object.entries(metafile.outputs).filter(([path]) => path.endsWith('.js'));
  const [only] = outputs;
  if (only === undefined || outputs.length !== 1) throw new Error(`expected one .js output, got ${outputs.length}`);
  const [, output] = only;
  const bytesByInput = new Map(Object.entries(output.inputs).map(([path, input]) => [path, input.bytesInOutput]));

  const byPackage = new Map<string, number>();
  const families = Object.fromEntries(FAMILIES.map((family) => [family, 0])) as Record<Family, number>;
  for (const [path, bytes] of bytesByInput) {
    const name = packageOf(path);
    byPackage.set(name, (byPackage.get(name) ?? 0) + bytes);
    families[familyOf(name)] += bytes;
  }

  const entry = output.entryPoint;
  if (entry === undefined) throw new Error('the output has no entry point');
  const staticallyReached = reachable(metafile, entry, false);
  const allReached = reachable(metafile, entry, true);
  const dynamicOnly = new Map<string, number>();
  let dynamicOnlyBytes = 0;
  for (const path of allReached) {
    if (staticallyReached.has(path)) continue;
    const bytes = bytesByInput.get(path) ?? 0;
    dynamicOnlyBytes += bytes;
    const name = packageOf(path);
    dynamicOnly.set(name, (dynamicOnly.get(name) ?? 0) + bytes);
  }

  return {
    outputBytes: output.bytes,
    packages: sortedBySize(byPackage),
    families,
    dynamicOnlyBytes,
    dynamicOnlyPackages: sortedBySize(dynamicOnly),
  };
}

/** Inputs reachable from `entry` through static imports and requires, and dynamic imports when asked. */
function reachable(metafile: Metafile, entry: string, followDynamic: boolean): Set<string> {
  const seen = new Set<string>([entry]);
  const queue = [entry];
  for (let path = queue.pop(); path !== undefined; path = queue.pop()) {
    for (const edge of metafile.inputs[path]?.imports ?? []) {
      if (edge.external || seen.has(edge.path)) continue;
      if (edge.kind === 'dynamic-import' && !followDynamic) continue;
      seen.add(edge.path);
      queue.push(edge.path);
    }
  }
  return seen;
}

function sortedBySize(bytes: Map<string, number>): Array<{ name: string; bytes: number }> {
  return [...bytes].map(([name, size]) => ({ name, bytes: size })).sort((a, b) => b.bytes - a.bytes);
}
