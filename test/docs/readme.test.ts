import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { gatewayConfigSchema } from '../../lib/config';

interface SchemaNode {
  type?: string;
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
}

/** Every leaf key path of the deployment config (`audit.retentionDays`, `tenants[].redaction.mode`, ...). */
function configKeyPaths(node: SchemaNode, prefix: string[] = []): string[] {
  if (node.properties) {
    return Object.entries(node.properties).flatMap(([key, child]) => configKeyPaths(child, [...prefix, key]));
  }
  if (node.type === 'array' && node.items?.properties && prefix.at(-1) === 'tenants') {
    return configKeyPaths(node.items, [...prefix.slice(0, -1), 'tenants[]']);
  }
  return [prefix.join('.')];
}

describe('README', () => {
  const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');

  it('documents every config key', () => {
    // Prepare
    const root = z.toJSONSchema(gatewayConfigSchema, { io: 'input', unrepresentable: 'any' }) as SchemaNode;

    // Act
    const paths = configKeyPaths(root);
    const undocumented = paths.filter((path) => !readme.includes(`| \`${path}\` |`));

    // Assess
    expect(paths.length).toBeGreaterThan(60);
    expect(undocumented).toEqual([]);
  });

  it('keeps the two quick-start commands', () => {
    expect(readme).toContain('npm ci && npx cdk synth');
    expect(readme).toContain('npm ci && npm test');
  });
});
