/**
 * A cdk-nag logger that counts, per pack, what the packs checked, found and had acknowledged, so synth can print
 * the proof behind "zero findings" instead of leaving it to the annotations and CSV reports. It only counts:
 * the packs' own AnnotationLogger still turns each unacknowledged finding into a synth error.
 */
import type { CfnResource } from 'aws-cdk-lib';
import {
  type INagLogger,
  type NagLoggerComplianceData,
  type NagLoggerErrorData,
  type NagLoggerNonComplianceData,
  type NagLoggerNotApplicableData,
  type NagLoggerSuppressedData,
  type NagLoggerSuppressedErrorData,
  NagMessageLevel,
} from 'cdk-nag';

/** One pack's tally. `findings` and `acknowledged` count rule x resource x finding, as cdk-nag reports them. */
export interface NagPackSummary {
  readonly pack: string;
  /** Distinct rules the pack evaluated. */
  readonly rules: number;
  /** Distinct resources it evaluated. */
  readonly resources: number;
  readonly compliant: number;
  readonly notApplicable: number;
  /** Unacknowledged findings at error level (they fail synth). */
  readonly errors: number;
  /** Unacknowledged findings at warning level. */
  readonly warnings: number;
  /** Rules that threw while evaluating a resource, unacknowledged. */
  readonly ruleErrors: number;
  /** Findings (and rule errors) acknowledged with a reason next to the resource. */
  readonly acknowledged: number;
}

interface Tally {
  rules: Set<string>;
  resources: Set<string>;
  compliant: number;
  notApplicable: number;
  errors: number;
  warnings: number;
  ruleErrors: number;
  acknowledged: number;
}

const resourcePath = (resource: CfnResource): string => resource.node.path;

export class NagSummaryLogger implements INagLogger {
  private readonly tallies = new Map<string, Tally>();

  onCompliance(data: NagLoggerComplianceData): void {
    this.tally(data).compliant += 1;
  }

  onNonCompliance(data: NagLoggerNonComplianceData): void {
    const tally = this.tally(data);
    if (data.ruleLevel === NagMessageLevel.ERROR) tally.errors += 1;
    else if (data.ruleLevel === NagMessageLevel.WARN) tally.warnings += 1;
  }

  onSuppressed(data: NagLoggerSuppressedData): void {
    this.tally(data).acknowledged += 1;
  }

  onError(data: NagLoggerErrorData): void {
    this.tally(data).ruleErrors += 1;
  }

  onSuppressedError(data: NagLoggerSuppressedErrorData): void {
    this.tally(data).acknowledged += 1;
  }

  onNotApplicable(data: NagLoggerNotApplicableData): void {
    this.tally(data).notApplicable += 1;
  }

  /** The packs in the order they first reported. */
  summary(): NagPackSummary[] {
    return [...this.tallies].map(([pack, tally]) => ({
      pack,
      rules: tally.rules.size,
      resources: tally.resources.size,
      compliant: tally.compliant,
      notApplicable: tally.notApplicable,
      errors: tally.errors,
      warnings: tally.warnings,
      ruleErrors: tally.ruleErrors,
      acknowledged: tally.acknowledged,
    }));
  }

  private tally(data: { nagPackName: string; ruleId: string; resource: CfnResource }): Tally {
    let tally = this.tallies.get(data.nagPackName);
    if (!tally) {
      tally = {
        rules: new Set(),
        resources: new Set(),
        compliant: 0,
        notApplicable: 0,
        errors: 0,
        warnings: 0,
        ruleErrors: 0,
        acknowledged: 0,
      };
      this.tallies.set(data.nagPackName, tally);
    }
    tally.rules.add(data.ruleId);
    tally.resources.add(resourcePath(data.resource));
    return tally;
  }
}

/** Findings that need attention: unacknowledged errors, warnings and rule errors. */
export const unacknowledgedFindings = (pack: NagPackSummary): number => pack.errors + pack.warnings + pack.ruleErrors;

/** A few lines for the synth log: one per pack, then the total. */
export function formatNagSummary(packs: readonly NagPackSummary[]): string {
  if (packs.length === 0) return 'cdk-nag: no pack ran\n';
  const width = Math.max(...packs.map((pack) => pack.pack.length));
  const lines = packs.map(
    (pack) =>
      `  ${pack.pack.padEnd(width)}  ${pack.rules} rules on ${pack.resources} resources: ` +
      `${unacknowledgedFindings(pack)} findings (${pack.errors} errors, ${pack.warnings} warnings, ` +
      `${pack.ruleErrors} rule errors), ${pack.acknowledged} acknowledged, ${pack.compliant} compliant`,
  );
  const findings = packs.reduce((sum, pack) => sum + unacknowledgedFindings(pack), 0);
  const acknowledged = packs.reduce((sum, pack) => sum + pack.acknowledged, 0);
  return [
    `cdk-nag: ${packs.length} packs (${packs.map((pack) => pack.pack).join(', ')})`,
    ...lines,
    `cdk-nag: ${findings} unacknowledged findings, ${acknowledged} acknowledged (each reason sits next to its resource)`,
    '',
  ].join('\n');
}
