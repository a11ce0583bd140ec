/**
 * `bedrock-runtime` is reachable: the VPC interface endpoint the proxy uses is available with private DNS, and
 * its policy allows every call the proxy makes (InvokeModel, InvokeModelWithResponseStream, CountTokens: an
 * endpoint policy filters every call through it); and the regional endpoint answers HTTPS from here.
 */
import { DescribeVpcEndpointsCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { type DoctorCheck, describeError, fail, pass } from './check';
import { GATEWAY_OUTPUTS } from './stack-outputs';

/** Bedrock runtime actions the proxy calls through the endpoint. */
export const PROXY_BEDROCK_ACTIONS = [
  'bedrock:InvokeModel',
  'bedrock:InvokeModelWithResponseStream',
  'bedrock:CountTokens',
] as const;

/** Answers with the HTTP status of a GET, or throws when there is no answer (DNS, TCP, TLS, timeout). */
export type HttpProbe = (url: string) => Promise<number>;

/** A real HTTPS GET with a timeout; any status (Bedrock answers 404 or 403 to `/`) means reachable. */
export const fetchProbe =
  (timeoutMs: number): HttpProbe =>
  async (url) => {
    const response = await fetch(url, { method: 'GET', signal: AbortSignal.timeout(timeoutMs) });
    await response.body?.cancel();
    return response.status;
  };

interface PolicyStatement {
  readonly Effect?: string;
  readonly Action?: string | readonly string[];
}

const matches = (pattern: string, action: string): boolean =>
  new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`, 'i').test(action);

/**
 * Actions of `required` that no Allow statement of the policy names. Conditions and resources are not evaluated:
 * this catches the missing-action case (issue 11's CountTokens), not every narrowing.
 */
export function actionsNotAllowed(policyDocument: string | undefined, required: readonly string[]): string[] {
  if (policyDocument === undefined) return [];
  const policy = JSON.parse(policyDocument) as { Statement?: PolicyStatement | PolicyStatement[] };
  const statements = Array.isArray(policy.Statement) ? policy.Statement : policy.Statement ? [policy.Statement] : [];
  const allowed = statements
    .filter((statement) => statement.Effect === 'Allow')
    .flatMap((statement) => (typeof statement.Action === 'string' ? [statement.Action] : (statement.Action ?? [])));
  return required.filter((action) => !allowed.some((pattern) => matches(pattern, action)));
}

export interface BedrockEndpointCheckDeps {
  readonly ec2: EC2Client;
  readonly probe: HttpProbe;
  /** @default `https://bedrock-runtime.<region>.amazonaws.com/` */
  readonly endpointUrl?: string;
}

export function bedrockEndpointCheck(deps: BedrockEndpointCheckDeps): DoctorCheck {
  return {
    id: 'bedrock-runtime-endpoint',
    title: 'bedrock-runtime: VPC endpoint and reachability',
    async run({ outputs, region }) {
      const vpcId = outputs.gateway.get(GATEWAY_OUTPUTS.vpcId);
      const serviceName = `com.amazonaws.${region}.bedrock-runtime`;
      const response = await deps.ec2.send(
        new DescribeVpcEndpointsCommand({
          Filters: [
            { Name: 'vpc-id', Values: [vpcId] },
            { Name: 'service-name', Values: [serviceName] },
          ],
        }),
      );
      const endpoint = response.VpcEndpoints?.[0];
      const redeploy = 'redeploy the Gateway stack (lib/constructs/gateway-network.ts creates the endpoint)';
      if (!endpoint) return fail(`no ${serviceName} endpoint in ${vpcId}`, redeploy);
      const details = [`${endpoint.VpcEndpointId ?? 'endpoint'} ${endpoint.State ?? '?'}`];
      const problems: string[] = [];
      if (endpoint.State?.toLowerCase() !== 'available') problems.push(`endpoint state is ${endpoint.State ?? '?'}`);
      if (endpoint.PrivateDnsEnabled !== true)
        problems.push('private DNS is off: the proxy would resolve the public name');
      const missing = actionsNotAllowed(endpoint.PolicyDocument, PROXY_BEDROCK_ACTIONS);
      if (missing.length > 0) problems.push(`endpoint policy does not allow ${missing.join(', ')}`);

      const url = deps.endpointUrl ?? `https://bedrock-runtime.${region}.amazonaws.com/`;
      try {
        details.push(`${url} answered HTTP ${await deps.probe(url)}`);
      } catch (error) {
        problems.push(`${url} did not answer: ${describeError(error)}`);
      }
      if (problems.length > 0) {
        return fail(
          `bedrock-runtime: ${problems.join('; ')}`,
          missing.length > 0
            ? 'allow the missing actions in the bedrock-runtime endpoint policy and redeploy the Gateway stack'
            : redeploy,
          details,
        );
      }
      return pass(
        `${serviceName} endpoint available, policy allows the proxy's calls, regional endpoint answers`,
        details,
      );
    },
  };
}
