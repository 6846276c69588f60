import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withConfigReference } from './config-reference';

/** `npm run docs:config`: rewrites README.md's configuration reference from the apps' config schemas. */
const readme = join(__dirname, '..', '..', 'README.md');
const before = readFileSync(readme, 'utf8');
const after = withConfigReference(before);
writeFileSync(readme, after);
process.stdout.write(
  before === after
    ? 'README.md: configuration reference already current\n'
    : 'README.md: configuration reference updated\n',
);
