import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  type GetQueryResultsCommandOutput,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import { mockClient } from 'aws-sdk-client-mock';
import {
  AthenaQueryCancelledError,
  AthenaQueryFailedError,
  AthenaQueryRunner,
  AthenaQueryTimeoutError,
  typedValue,
} from '../../../../lambdas/shared/adapters/athena-query-runner';

const athena = mockClient(AthenaClient);

const columns = [
  { Name: 'tenant_id', Type: 'varchar' },
  { Name: 'requests', Type: 'bigint' },
  { Name: 'rate', Type: 'double' },
  { Name: 'flag', Type: 'boolean' },
];
const row = (...values: Array<string | undefined>) => ({
  Data: values.map((value) => (value === undefined ? {} : { VarCharValue: value })),
});
const page = (rows: ReturnType<typeof row>[], next?: string): Partial<GetQueryResultsCommandOutput> => ({
  ResultSet: { ResultSetMetadata: { ColumnInfo: columns }, Rows: rows },
  ...(next ? { NextToken: next } : {}),
});

function runner(extra: { timeoutMs?: number; clock?: { t: number } } = {}) {
  const clock = extra.clock ?? { t: 0 };
  const sleeps: number[] = [];
  const instance = new AthenaQueryRunner({
    client: new AthenaClient({ region: 'ap-south-1' }),
    workgroup: 'ClaudeGateway-compliance',
    database: 'claude_gateway_audit',
    initialPollMs: 100,
    maxPollMs: 400,
    timeoutMs: extra.timeoutMs ?? 60_000,
    sleep: async (ms) => {
      sleeps.push(ms);
      clock.t += ms;
    },
    now: () => clock.t,
  });
  return { instance, sleeps };
}

beforeEach(() => {
  athena.reset();
  athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-1' });
});

describe('AthenaQueryRunner', () => {
  it('starts in the workgroup, polls with backoff and progress, pages through 3 pages and types values', async () => {
    athena
      .on(GetQueryExecutionCommand)
      .resolvesOnce({ QueryExecution: { Status: { State: 'QUEUED' } } })
      .resolvesOnce({ QueryExecution: { Status: { State: 'RUNNING' } } })
      .resolvesOnce({ QueryExecution: { Status: { State: 'RUNNING' } } })
      .resolvesOnce({ QueryExecution: { Status: { State: 'RUNNING' } } })
      .resolves({ QueryExecution: { Status: { State: 'SUCCEEDED' } } });
    athena
      .on(GetQueryResultsCommand)
      .resolvesOnce(page([row('tenant_id', 'requests', 'rate', 'flag'), row('acme', '5', '0.7273', 'true')], 't-2'))
      .resolvesOnce(page([row('globex', '4', undefined, 'false')], 't-3'))
      .resolvesOnce(page([row('initech', '2', '0.5', 'false')]));
    const { instance, sleeps } = runner();
    const states: string[] = [];

    const rows = await instance.run('SELECT 1', { onProgress: (state) => states.push(state) });

    expect(rows).toEqual([
      { tenant_id: 'acme', requests: 5, rate: 0.7273, flag: true },
      { tenant_id: 'globex', requests: 4, rate: null, flag: false },
      { tenant_id: 'initech', requests: 2, rate: 0.5, flag: false },
    ]);
    expect(states).toEqual(['QUEUED', 'RUNNING', 'RUNNING', 'RUNNING', 'SUCCEEDED']);
    expect(sleeps).toEqual([100, 200, 400, 400]);
    expect(athena.commandCalls(StartQueryExecutionCommand)[0]?.args[0].input).toEqual({
      QueryString: 'SELECT 1',
      WorkGroup: 'ClaudeGateway-compliance',
      QueryExecutionContext: { Database: 'claude_gateway_audit', Catalog: 'AwsDataCatalog' },
    });
    const tokens = athena.commandCalls(GetQueryResultsCommand).map((call) => call.args[0].input.NextToken);
    expect(tokens).toEqual([undefined, 't-2', 't-3']);
  });

  it('does not drop a first data row that is not the header', async () => {
    athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: 'SUCCEEDED' } } });
    athena.on(GetQueryResultsCommand).resolves(page([row('acme', '5', '1', 'true')]));
    expect(await runner().instance.run('SELECT 1')).toHaveLength(1);
  });

  it('throws a clear error with the StateChangeReason when the query FAILED', async () => {
    athena.on(GetQueryExecutionCommand).resolves({
      QueryExecution: {
        Status: { State: 'FAILED', StateChangeReason: "TABLE_NOT_FOUND: line 1:15: Table 'x' does not exist" },
      },
    });
    const run = runner().instance.run('SELECT * FROM x');
    await expect(run).rejects.toThrow(AthenaQueryFailedError);
    await expect(runner().instance.run('SELECT * FROM x')).rejects.toThrow(/q-1 failed: TABLE_NOT_FOUND/);
  });

  it('throws when the query was CANCELLED', async () => {
    athena.on(GetQueryExecutionCommand).resolves({
      QueryExecution: { Status: { State: 'CANCELLED', StateChangeReason: 'Bytes scanned limit was exceeded' } },
    });
    await expect(runner().instance.run('SELECT 1')).rejects.toThrow(AthenaQueryCancelledError);
    await expect(runner().instance.run('SELECT 1')).rejects.toThrow(/cancelled: Bytes scanned limit/);
  });

  it('stops the query and throws after the timeout', async () => {
    athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: 'RUNNING' } } });
    athena.on(StopQueryExecutionCommand).resolves({});
    const { instance, sleeps } = runner({ timeoutMs: 1_000 });
    await expect(instance.run('SELECT 1')).rejects.toThrow(AthenaQueryTimeoutError);
    expect(sleeps.reduce((sum, ms) => sum + ms, 0)).toBeLessThanOrEqual(1_000);
    expect(athena.commandCalls(StopQueryExecutionCommand)[0]?.args[0].input).toEqual({ QueryExecutionId: 'q-1' });
  });

  it('types values from the column metadata', () => {
    expect(typedValue('12', 'bigint')).toBe(12);
    expect(typedValue('1.5', 'decimal(10,2)')).toBe(1.5);
    expect(typedValue('false', 'boolean')).toBe(false);
    expect(typedValue('2026-11-09', 'date')).toBe('2026-11-09');
    expect(typedValue(undefined, 'varchar')).toBeNull();
  });
});
