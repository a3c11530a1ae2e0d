// Splits a V8 CPU profile (from bench/pg-profile.ts) by where its samples ran: self time by part of
// the code, then the functions with the most self time. Usage: node bench/pg-profile-split.mjs <file> [bookings]
import { readFileSync } from 'node:fs';

const [file, bookingsArg] = process.argv.slice(2);
const profile = JSON.parse(readFileSync(file, 'utf8'));
const bookings = Number(bookingsArg ?? 0);
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map();
for (let i = 0; i < profile.samples.length; i++) {
  const dt = profile.timeDeltas[i + 1] ?? 0;
  self.set(profile.samples[i], (self.get(profile.samples[i]) ?? 0) + dt);
}
const part = (frame) => {
  const url = frame.url ?? '';
  const name = frame.functionName;
  if (url === '') {
    if (name === '(idle)') return 'idle (waiting for the server)';
    if (name === '(garbage collector)') return 'garbage collector';
    if (name === '(program)') return 'V8 and native (program)';
    return `native: ${name}`;
  }
  if (/\/src\/(core|model|policies)\//.test(url)) return 'rules (src/core, model, policies)';
  if (/\/src\/postgres\/(codec|cache|columns)\.ts/.test(url)) return 'adapter: codecs and day cache';
  if (/\/src\/adapter-kit\//.test(url)) return 'adapter kit (checks, day assembly)';
  if (/\/src\/postgres\//.test(url)) return 'adapter: units and protocol';
  if (/\/src\//.test(url)) return 'shell (scheduler, inputs, events, telemetry)';
  if (/node_modules\/(pg|pg-protocol|pg-pool|pg-types)\//.test(url)) return 'node-postgres';
  if (/node_modules\//.test(url)) return `dependency: ${url.replace(/.*node_modules\//, '').split('/')[0]}`;
  if (url.startsWith('node:')) return 'node runtime (streams, net, timers, promises)';
  return url;
};
const total = [...self.values()].reduce((a, b) => a + b, 0);
const parts = new Map();
const fns = new Map();
for (const [id, us] of self) {
  const node = byId.get(id);
  const key = part(node.callFrame);
  parts.set(key, (parts.get(key) ?? 0) + us);
  const fn = `${node.callFrame.functionName || '(anonymous)'} ${(node.callFrame.url ?? '').replace(/.*\/(src|node_modules)\//, '$1/')}:${node.callFrame.lineNumber + 1}`;
  fns.set(fn, (fns.get(fn) ?? 0) + us);
}
const busy = total - (parts.get('idle (waiting for the server)') ?? 0);
const per = (us) => (bookings > 0 ? `${(us / bookings).toFixed(1).padStart(7)} µs/booking` : '');
console.log(`${(total / 1000).toFixed(0)} ms sampled, ${(busy / 1000).toFixed(0)} ms not idle`);
for (const [k, us] of [...parts].sort((a, b) => b[1] - a[1])) console.log(`${((100 * us) / busy).toFixed(1).padStart(5)} %  ${per(us)}  ${k}`);
console.log('\nfunctions by self time:');
for (const [k, us] of [...fns].sort((a, b) => b[1] - a[1]).slice(0, 40)) console.log(`${((100 * us) / busy).toFixed(1).padStart(5)} %  ${per(us)}  ${k}`);
