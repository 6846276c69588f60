// Writes the JSON Schema of the public contracts into docs/contracts/.
// Run with `npm run contracts:schemas` after changing a schema in libs/contracts.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { contractJsonSchemas } from '@koji-farm/contracts';

const dir = join(__dirname, '..', 'docs', 'contracts');
mkdirSync(dir, { recursive: true });
for (const [file, schema] of Object.entries(contractJsonSchemas())) {
  writeFileSync(join(dir, file), JSON.stringify(schema, null, 2) + '\n');
  console.log(`wrote docs/contracts/${file}`);
}
