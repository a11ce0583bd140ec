import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DescribeVpcEndpointsCommand, EC2Client, type VpcEndpoint } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import {
  actionsNotAllowed,
  bedrockEndpointCheck,
  fetchProbe,
  PROXY_BEDROCK_ACTIONS,
} from '../../../../lambdas/cli/doctor/bedrock-endpoint-check';
import { runCheck } from '../../../../lambdas/cli/doctor/check';
import { contextFixture } from './fixtures';

const ec2 = mockClient(EC2Client);
let server: Server;
let url: string;

const policy = (actions: string | string[]) =>
  JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: '*', Action: actions, Resource: '*' }] });

const endpoint = (overrides: Partial<VpcEndpoint> = {}): VpcEndpoint => ({
  VpcEndpointId: 'vpce-0123',
  // The API answers lower case ("available") although the SDK's enum is capitalised: the check ignores case.
  State: 'available' as VpcEndpoint['State'],
  PrivateDnsEnabled: true,
  PolicyDocument: policy([...PROXY_BEDROCK_ACTIONS]),
  ...overrides,
});

beforeAll(async () => {
  // Bedrock's regional endpoint answers `GET /` with an error status: any answer means it is reachable.
  server = createServer((_req, res) => {
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end('{"message":"not found"}');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(() => server.close());
beforeEach(() => ec2.reset());

const run = (endpointUrl = url) =>
  runCheck(
    bedrockEndpointCheck({ ec2: new EC2Client({}), probe: fetchProbe(2000), endpointUrl }),
    contextFixture(),
    Date.now,
  );

describe('bedrockEndpointCheck', () => {
  it('passes on an available endpoint with private DNS and the actions the proxy calls, reachable over HTTP', async () => {
    ec2.on(DescribeVpcEndpointsCommand).resolves({ VpcEndpoints: [endpoint()] });

    const result = await run();

    expect(result.status).toBe('pass');
    expect(result.details).toContain(`${url} answered HTTP 404`);
    expect(ec2.commandCalls(DescribeVpcEndpointsCommand)[0]?.args[0].input).toEqual({
      Filters: [
        { Name: 'vpc-id', Values: ['vpc-0abc123'] },
        { Name: 'service-name', Values: ['com.amazonaws.ap-south-1.bedrock-runtime'] },
      ],
    });
  });

  it('fails when the endpoint policy allows only InvokeModel* (count_tokens would be denied)', async () => {
    ec2
      .on(DescribeVpcEndpointsCommand)
      .resolves({ VpcEndpoints: [endpoint({ PolicyDocument: policy('bedrock:InvokeModel*') })] });

    const result = await run();

    expect(result.status).toBe('fail');
    expect(result.summary).toContain('endpoint policy does not allow bedrock:CountTokens');
    expect(result.fix).toContain('allow the missing actions');
  });

  it('fails when the regional endpoint does not answer', async () => {
    ec2.on(DescribeVpcEndpointsCommand).resolves({ VpcEndpoints: [endpoint()] });
    const closed = createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const deadUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/`;
    closed.close();
    await once(closed, 'close');

    const result = await run(deadUrl);

    expect(result.status).toBe('fail');
    expect(result.summary).toContain(`${deadUrl} did not answer`);
  });

  it('fails on a missing endpoint, or one not available or without private DNS', async () => {
    ec2.on(DescribeVpcEndpointsCommand).resolves({ VpcEndpoints: [] });
    expect((await run()).summary).toBe('no com.amazonaws.ap-south-1.bedrock-runtime endpoint in vpc-0abc123');

    ec2
      .on(DescribeVpcEndpointsCommand)
      .resolves({ VpcEndpoints: [endpoint({ State: 'Pending', PrivateDnsEnabled: false })] });
    const result = await run();
    expect(result.summary).toContain('endpoint state is Pending');
    expect(result.summary).toContain('private DNS is off');
  });
});

describe('actionsNotAllowed', () => {
  it.each([
    ['a full wildcard', policy('*'), []],
    ['a service wildcard', policy('bedrock:*'), []],
    ['case-insensitive action names', policy(['bedrock:invokemodel*', 'bedrock:counttokens']), []],
    ['InvokeModel* only', policy('bedrock:InvokeModel*'), ['bedrock:CountTokens']],
    [
      'a Deny statement only',
      JSON.stringify({ Statement: { Effect: 'Deny', Action: '*' } }),
      [...PROXY_BEDROCK_ACTIONS],
    ],
    ['no policy (the default full access)', undefined, []],
  ])('%s', (_name, document, missing) => {
    expect(actionsNotAllowed(document, PROXY_BEDROCK_ACTIONS)).toEqual(missing);
  });
});
