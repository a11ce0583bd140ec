/**
 * Shared helpers for CDK tests: an App that skips asset bundling (bundling is covered once in its own test),
 * and the cdk-nag packs the app registers in bin/gateway.ts, run against one stack.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Aspects, type Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks } from 'cdk-nag';
import { type GatewayConfig, parseGatewayConfig } from '../../lib/config';

/** The feature flags from cdk.json, so that tests synthesize with the same behaviour as `cdk synth`. */
const featureFlags: Record<string, unknown> = Object.fromEntries(
  Object.entries(
    (JSON.parse(readFileSync(join(__dirname, '..', '..', 'cdk.json'), 'utf8')) as { context: Record<string, unknown> })
      .context,
  ).filter(([key]) => key.startsWith('@aws-cdk/')),
);

/** An App with cdk.json's feature flags whose stacks do not bundle Lambda code (esbuild runs in one test). */
export function testApp(context: Record<string, unknown> = {}): App {
  return new App({ context: { ...featureFlags, 'aws:cdk:bundling-stacks': [], ...context } });
}

/** The defaults from lib/config.ts with `overrides` merged at the top level (raw input, validated). */
export function testConfig(overrides: Record<string, unknown> = {}): GatewayConfig {
  return parseGatewayConfig(overrides);
}

/** Adds the same cdk-nag packs as bin/gateway.ts. Call before the first synth of the stack. */
export function addNagPacks(scope: App | Stack): void {
  Aspects.of(scope).add(new AwsSolutionsChecks({ verbose: true }));
  Aspects.of(scope).add(new HIPAASecurityChecks({ verbose: true }));
  Aspects.of(scope).add(new NIST80053R5Checks({ verbose: true }));
}

/**
 * Every unacknowledged cdk-nag error and warning on `stack`, as `path: message` lines (empty when clean).
 * The packs must have been added with `addNagPacks` before the stack was synthesized.
 */
export function nagFindings(stack: Stack): string[] {
  const annotations = Annotations.fromStack(stack);
  const anything = Match.stringLikeRegexp('.*');
  return [...annotations.findError('*', anything), ...annotations.findWarning('*', anything)]
    .filter((message) => /AwsSolutions-|HIPAA\.Security-|NIST\.800\.53\.R5-|CdkNag/.test(String(message.entry.data)))
    .map((message) => `${message.id}: ${String(message.entry.data).split('\n')[0]}`);
}
