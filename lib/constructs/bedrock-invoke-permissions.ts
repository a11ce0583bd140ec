/**
 * Which Bedrock ids the proxy may invoke, derived from the tenants' policies and the model catalog, and the IAM
 * statements that allow exactly those (AWS-NOTES.md): inference profiles, the foundation models behind them
 * bound to the profile, in-region models, and CountTokens.
 */
import * as iam from 'aws-cdk-lib/aws-iam';
import { foundationModelId } from '../../lambdas/shared/adapters/bedrock-model-client';
import { allowedRoutes, BUILT_IN_MODEL_CATALOG, type ModelCatalog } from '../../lambdas/shared/policy/model-catalog';
import type { BedrockRoutingScope, TenantConfig } from '../../lambdas/shared/policy/tenant-config';

/** Bedrock actions the proxy calls on a model (streaming and not). */
const BEDROCK_INVOKE_ACTIONS = ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'];

/** A Bedrock id the proxy may invoke, as the catalog routes it. */
export interface BedrockInvokeTarget {
  /** Id in the InvokeModel path: an inference-profile id (`global.…`, `apac.…`) or an in-region model id. */
  readonly modelId: string;
  readonly scope: BedrockRoutingScope;
  /** The foundation model behind it (CountTokens and the foundation-model ARNs). */
  readonly foundationModelId: string;
}

/** Where the caller runs: the profiles and in-region models are this partition, region and account's. */
export interface BedrockInvokeEnvironment {
  readonly partition: string;
  readonly region: string;
  readonly account: string;
}

/**
 * Every Bedrock id the tenants' policies can route to: for each Bedrock tenant, each alias (fallbacks are
 * aliases too), each scope its residency allows that the catalog has a profile for. Sorted and de-duplicated so
 * that the IAM policy is stable across synths.
 */
export function bedrockInvokeTargets(
  tenants: readonly TenantConfig[],
  catalog: ModelCatalog = BUILT_IN_MODEL_CATALOG,
): BedrockInvokeTarget[] {
  const targets = new Map<string, BedrockInvokeTarget>();
  for (const tenant of tenants) {
    if (tenant.provider !== 'bedrock') continue;
    for (const [alias, catalogId] of Object.entries(tenant.models)) {
      const model = catalog.model(catalogId);
      if (model === undefined) {
        throw new Error(`ProxyFunction: tenant "${tenant.id}" alias "${alias}" names unknown model "${catalogId}"`);
      }
      for (const route of allowedRoutes(model, 'bedrock', tenant.residency)) {
        if (route.provider !== 'bedrock') continue;
        targets.set(route.modelId, {
          modelId: route.modelId,
          scope: route.scope,
          foundationModelId: foundationModelId(route.modelId),
        });
      }
    }
  }
  return [...targets.values()].sort((a, b) => a.modelId.localeCompare(b.modelId));
}

/**
 * Bedrock invoke on exactly the routed ids (AWS-NOTES.md). A `global.` profile needs three statements: the
 * profile; the regional foundation model, requested in this region through that profile; and the
 * region-less foundation model (`aws:RequestedRegion` "unspecified") through that profile. An `apac.` profile
 * routes to the foundation model in any APAC destination region, so its model ARN names every region, bound to
 * the profile. CountTokens takes the foundation-model id in this region. No targets, no statements.
 */
export function bedrockInvokeStatements(
  targets: readonly BedrockInvokeTarget[],
  { partition, region, account }: BedrockInvokeEnvironment,
): iam.PolicyStatement[] {
  if (targets.length === 0) return [];
  const profileArn = (profileId: string): string =>
    `arn:${partition}:bedrock:${region}:${account}:inference-profile/${profileId}`;
  const modelArn = (modelRegion: string, modelId: string): string =>
    `arn:${partition}:bedrock:${modelRegion}::foundation-model/${modelId}`;
  const statements: iam.PolicyStatement[] = [];

  const profiles = targets.filter((target) => target.scope !== 'in-region');
  if (profiles.length > 0) {
    statements.push(
      new iam.PolicyStatement({
        sid: 'BedrockInvokeInferenceProfiles',
        actions: BEDROCK_INVOKE_ACTIONS,
        resources: profiles.map((target) => profileArn(target.modelId)),
      }),
    );
  }
  for (const [index, target] of targets.entries()) {
    const sid = `BedrockModel${index}`;
    if (target.scope === 'in-region') {
      statements.push(
        new iam.PolicyStatement({
          sid: `${sid}InRegion`,
          actions: BEDROCK_INVOKE_ACTIONS,
          resources: [modelArn(region, target.modelId)],
        }),
      );
      continue;
    }
    const viaProfile = { 'bedrock:InferenceProfileArn': profileArn(target.modelId) };
    if (target.scope === 'global') {
      statements.push(
        new iam.PolicyStatement({
          sid: `${sid}GlobalRegional`,
          actions: BEDROCK_INVOKE_ACTIONS,
          resources: [modelArn(region, target.foundationModelId)],
          conditions: { StringEquals: { 'aws:RequestedRegion': region, ...viaProfile } },
        }),
        new iam.PolicyStatement({
          sid: `${sid}GlobalUnspecified`,
          actions: BEDROCK_INVOKE_ACTIONS,
          resources: [modelArn('', target.foundationModelId)],
          conditions: { StringEquals: { 'aws:RequestedRegion': 'unspecified', ...viaProfile } },
        }),
      );
    } else {
      statements.push(
        new iam.PolicyStatement({
          sid: `${sid}GeoDestinations`,
          actions: BEDROCK_INVOKE_ACTIONS,
          resources: [modelArn('*', target.foundationModelId)],
          conditions: { StringEquals: viaProfile },
        }),
      );
    }
  }
  const countable = [...new Set(targets.map((target) => target.foundationModelId))];
  statements.push(
    new iam.PolicyStatement({
      sid: 'BedrockCountTokens',
      actions: ['bedrock:CountTokens'],
      resources: countable.map((modelId) => modelArn(region, modelId)),
    }),
  );
  return statements;
}

/** Adds {@link bedrockInvokeStatements} to the grantee's own policy. */
export function grantBedrockInvoke(
  grantee: iam.IGrantable,
  targets: readonly BedrockInvokeTarget[],
  environment: BedrockInvokeEnvironment,
): void {
  for (const statement of bedrockInvokeStatements(targets, environment)) {
    grantee.grantPrincipal.addToPrincipalPolicy(statement);
  }
}
