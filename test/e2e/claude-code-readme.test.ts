/**
 * The README's "Claude Code through the gateway" section stays true to what is tested: it names the pinned
 * versions, the shipped helper exists and is executable, and its managed-settings example is valid JSON that sets
 * exactly the variables the helper reads.
 */
import { accessSync, constants, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { E2E_CLIENTS } from '../../scripts/e2e-setup';

const ROOT = join(__dirname, '..', '..');
const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
const section = readme.slice(readme.indexOf('## Claude Code through the gateway'), readme.indexOf('## Auditors'));

describe('README: Claude Code through the gateway', () => {
  it('names the versions the end-to-end tests pin', () => {
    expect(section.length).toBeGreaterThan(1000);
    const prose = section.replace(/\s+/g, ' ');
    expect(prose).toContain(`Claude Code ${E2E_CLIENTS.claudeCode.version}`);
    expect(prose).toContain(`@anthropic-ai/sdk ${E2E_CLIENTS.anthropicSdk.version}`);
  });

  it('ships the apiKeyHelper it documents, and the example settings configure what the helper reads', () => {
    const helper = join(ROOT, 'scripts', 'claude-code-api-key-helper.sh');
    accessSync(helper, constants.X_OK);
    const readsVariables = new Set(readFileSync(helper, 'utf8').match(/GATEWAY_[A-Z_]+/g));
    const example = /```json\n(\{\n {2}"apiKeyHelper"[\s\S]*?)```/.exec(section)?.[1];
    const settings = JSON.parse(example ?? '{}') as { apiKeyHelper?: string; env?: Record<string, string> };
    expect(settings.apiKeyHelper).toMatch(/claude-code-api-key-helper\.sh$/);
    const configured = Object.keys(settings.env ?? {}).filter((name) => name.startsWith('GATEWAY_'));
    expect(configured.length).toBeGreaterThanOrEqual(3);
    for (const name of configured) expect(readsVariables).toContain(name);
    expect(settings.env?.ANTHROPIC_BASE_URL).toMatch(/^https:\/\/.*\/prod$/);
  });
});
