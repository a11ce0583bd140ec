/**
 * The shape every doctor check shares: an id, what it proves, and a `run` that reads the deployed account through
 * the client handed to its factory and returns a verdict with the fix. Checks never throw for a finding; an
 * unexpected AWS error becomes a `fail` naming the call (see `runCheck`).
 */
import type { StackOutputs } from './stack-outputs';

export type CheckStatus = 'pass' | 'fail' | 'skip';

/** A check's verdict. `fix` is set on every `fail`: the step that makes the check pass. */
export interface CheckOutcome {
  readonly status: CheckStatus;
  /** One line: what was found. */
  readonly summary: string;
  /** Supporting facts (names, ids, dates), one per line. */
  readonly details?: readonly string[];
  readonly fix?: string;
}

/** A verdict with the check it belongs to, as printed and as emitted by `--json`. */
export interface CheckResult extends CheckOutcome {
  readonly id: string;
  readonly title: string;
  readonly durationMs: number;
}

/** What every check may read: both stacks' outputs and the deployment region. */
export interface CheckContext {
  readonly outputs: StackOutputs;
  readonly region: string;
}

export interface DoctorCheck {
  /** Stable kebab-case id (`--only` selects by it). */
  readonly id: string;
  /** What the check proves, in a few words. */
  readonly title: string;
  run(context: CheckContext): Promise<CheckOutcome>;
}

export const pass = (summary: string, details?: readonly string[]): CheckOutcome => ({
  status: 'pass',
  summary,
  ...(details && details.length > 0 ? { details } : {}),
});

export const fail = (summary: string, fix: string, details?: readonly string[]): CheckOutcome => ({
  status: 'fail',
  summary,
  fix,
  ...(details && details.length > 0 ? { details } : {}),
});

export const skip = (summary: string): CheckOutcome => ({ status: 'skip', summary });

/** A missing stack output means the deployed stacks predate this doctor, or a feature is off in config. */
export class MissingOutputError extends Error {
  override readonly name = 'MissingOutputError';
  constructor(
    readonly stackName: string,
    readonly outputKey: string,
  ) {
    super(`stack ${stackName} has no output ${outputKey}`);
  }
}

/** The message and, for AWS SDK errors, the error name (AccessDenied, NoSuchBucket...). Never a value read. */
export function describeError(error: unknown): string {
  let text = String(error);
  if (error instanceof Error)
    text = error.name && error.name !== 'Error' ? `${error.name}: ${error.message}` : error.message;
  // First line only: SDK deserialization errors append hints on further lines, which would break the report.
  return text.split('\n')[0]?.trim() ?? '';
}

/** Runs one check, timing it and turning an unexpected throw into a `fail` (the doctor reports, never crashes). */
export async function runCheck(check: DoctorCheck, context: CheckContext, now: () => number): Promise<CheckResult> {
  const started = now();
  let outcome: CheckOutcome;
  try {
    outcome = await check.run(context);
  } catch (error) {
    outcome =
      error instanceof MissingOutputError
        ? fail(
            `${error.message}`,
            `deploy the current version of the app (npx cdk deploy --all); outputs are added by lib/stacks`,
          )
        : fail(
            `could not complete: ${describeError(error)}`,
            "check the credentials and --region: README (After deploy: npm run doctor) lists each check's AWS " +
              'calls; read-only access suffices except for the canary, which also reads the tenant key secret',
          );
  }
  return { id: check.id, title: check.title, durationMs: now() - started, ...outcome };
}
