import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

const ROOT = join(__dirname, '..', '..');

/** Where each app's keys are declared, most specific first; the common keys come last. */
export const CONFIG_SOURCES = {
  common: ['libs/config/src/common-config.ts'],
  'hub-poller': [
    'apps/hub-poller/src/config/hub-poller.config.ts',
    'apps/hub-poller/src/config/hub-auth.config.ts',
  ],
  executor: ['apps/executor/src/config/executor.config.ts'],
  monitor: ['apps/monitor/src/config/monitor.config.ts'],
} as const;

/**
 * The `/** ... *\/` comment above each `KEY: z....` of a config schema's object, read
 * from the source (the schemas keep their meaning in JSDoc, next to the key).
 */
export function keyComments(files: readonly string[]): Map<string, string> {
  const comments = new Map<string, string>();
  for (const file of files) {
    const text = readFileSync(join(ROOT, file), 'utf8');
    const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
    const visit = (node: ts.Node): void => {
      if (
        ts.isPropertyAssignment(node) &&
        ts.isIdentifier(node.name) &&
        /^[A-Z][A-Z0-9_]*$/.test(node.name.text)
      ) {
        const doc = jsDocText(text, node);
        if (doc && !comments.has(node.name.text)) comments.set(node.name.text, doc);
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return comments;
}

function jsDocText(text: string, node: ts.Node): string | undefined {
  const ranges = ts.getLeadingCommentRanges(text, node.getFullStart()) ?? [];
  const docs = ranges
    .map((r) => text.slice(r.pos, r.end))
    .filter((c) => c.startsWith('/**'))
    .map((c) =>
      c
        .replace(/^\/\*\*/, '')
        .replace(/\*\/$/, '')
        .split('\n')
        .map((line) => line.replace(/^\s*\*\s?/, '').trim())
        .filter(Boolean)
        .join(' '),
    );
  return docs.at(-1);
}
