/**
 * The baseline of `npm run bench:cold-start`: a Lambda handler with no dependencies, bundled with the house
 * settings, so that its init time is what Node and the measurement cost on this machine.
 */
import { randomUUID } from 'node:crypto';

interface BareEvent {
  readonly body?: string;
}

interface BareResult {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

const startedAt = new Date().toISOString();

export const handler = async (event: BareEvent): Promise<BareResult> => ({
  statusCode: 200,
  headers: { 'content-type': 'application/json', 'request-id': randomUUID() },
  body: JSON.stringify({ startedAt, bytes: event.body?.length ?? 0 }),
});
