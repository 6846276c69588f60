import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { configKeyDocs, renderConfigReference, withConfigReference } from './config-reference';

const README = join(__dirname, '..', '..', 'README.md');

describe('configuration reference', () => {
  it('gives every key of every app a meaning (a /** comment */ above the key in its schema)', () => {
    const missing = (['common', 'hub-poller', 'executor', 'monitor'] as const).flatMap((scope) =>
      configKeyDocs(scope)
        .filter((doc) => !doc.meaning)
        .map((doc) => `${scope}: ${doc.key}`),
    );
    expect(missing).toEqual([]);
  });

  it('is what README.md shows (run `npm run docs:config` after changing a config schema)', () => {
    const readme = readFileSync(README, 'utf8');
    expect(withConfigReference(readme)).toBe(readme);
  });

  it('lists defaults as the environment spells them and kojid.conf names where they map', () => {
    const text = renderConfigReference();
    expect(text).toContain('| `POLL_INTERVAL` | `2` |');
    expect(text).toContain('| sleeptime |');
    expect(text).toContain('| `KOJI_HUB_URL` | required |');
    expect(text).toContain('| `ARCHES` | `x86_64,noarch` |');
    expect(text).toContain('| `EXECUTOR_ID` | the hostname |');
    expect(text).toContain('| `MONITOR_API_TOKEN` | — |');
  });
});
