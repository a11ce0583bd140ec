#!/usr/bin/env node
/**
 * The CDK app: load and validate config -> stateful and stateless stacks -> compliance packs -> tags.
 * Synth needs no AWS account: stacks stay account-agnostic unless `gateway.account` pins one.
 */
import { App, Aspects, Tags } from 'aws-cdk-lib';
import { AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks } from 'cdk-nag';
import { deploymentIssues, GatewayConfigError, loadGatewayConfig } from '../lib/config';
import { formatNagSummary, NagSummaryLogger } from '../lib/nag-summary';
import { AuditDataStack } from '../lib/stacks/audit-data-stack';
import { GatewayStack, statefulResourcesOf } from '../lib/stacks/gateway-stack';

const app = new App();
const config = loadGatewayConfig(app.node);
const issues = deploymentIssues(config);
if (issues.length > 0) throw new GatewayConfigError(issues);
const env = { region: config.region, account: config.account };

const auditData = new AuditDataStack(app, `${config.stackNamePrefix}-AuditData`, {
  env,
  config,
  description: 'claude-compliance-gateway: keys, Object-Locked audit bucket, CloudTrail, Bedrock logging, Athena',
});

new GatewayStack(app, `${config.stackNamePrefix}-Gateway`, {
  env,
  config,
  ...statefulResourcesOf(auditData),
  description: 'claude-compliance-gateway: VPC, API, authorizer, proxy and audit functions, alarms',
});

// Synth fails on any unacknowledged finding: each acknowledgment sits next to its resource with its reason.
// The summary logger counts what each pack checked, so the synth log shows the result, not only its absence.
const nagSummary = new NagSummaryLogger();
const nagOptions = { verbose: true, additionalLoggers: [nagSummary] };
Aspects.of(app).add(new AwsSolutionsChecks(nagOptions));
Aspects.of(app).add(new HIPAASecurityChecks(nagOptions));
Aspects.of(app).add(new NIST80053R5Checks(nagOptions));

Tags.of(app).add('Project', 'claude-compliance-gateway');
Tags.of(app).add('Environment', config.environment);

// Synthesize here (the CLI's own synth then reuses this assembly) so the packs have run when the summary prints.
// stderr: `cdk synth` prints the template on stdout, and with `--quiet` these lines are all the app says.
app.synth();
process.stderr.write(formatNagSummary(nagSummary.summary()));
