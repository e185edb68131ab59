// Refreshes the console's copy of the contract from a running service:
//   CONSOLE_BASE_URL=http://127.0.0.1:5080 npm run api:refresh && npm run build
// The build generates the client's types from this copy, so it fails wherever the console no longer fits.
import { writeFileSync } from 'node:fs';

const base = (process.env.CONSOLE_BASE_URL ?? 'http://127.0.0.1:5080').replace(/\/$/, '');
const response = await fetch(`${base}/openapi/v1.json`);
if (!response.ok) throw new Error(`${base}/openapi/v1.json answered ${response.status}`);
const document = await response.json();
delete document.servers; // the address the service happened to listen on
writeFileSync(new URL('../openapi/v1.json', import.meta.url), `${JSON.stringify(document, null, 2)}\n`);
console.log(`openapi/v1.json refreshed from ${base}`);
