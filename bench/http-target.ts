/**
 * A server process for `npm run bench:http`: `opd` (the example server, in memory, with an API
 * key and request logging to /dev/null, with doctors and slots ready for bookings) or `bare` (an
 * express app that parses the JSON body and answers 201). Prints `READY <port>` once listening;
 * `GET /bench/setup` (opd) tells how many places were prepared.
 */
import { openSync, writeSync } from 'node:fs';
import express from 'express';
import { OpdScheduler, presets } from 'opd-scheduler';
import { startServer } from '../examples/express-server/app.js';
import { jsonLogger } from '../examples/express-server/log.js';

/** Doctors of the `opd` target. */
export const DOCTORS = 200;
/** Hourly slots per doctor. */
export const SLOTS = 8;
/** Places per slot. */
export const CAPACITY = 60;
/** The API key both sides use. */
export const BENCH_KEY = 'bench-key-0123456789abcdef';

/** The day the slots are on: tomorrow (UTC), so that the server's real clock accepts bookings. */
export function benchDay(): string {
  return new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
}

async function opd(): Promise<number> {
  const scheduler = new OpdScheduler({ ...presets.standard() });
  const day = benchDay();
  for (let d = 0; d < DOCTORS; d++) {
    await scheduler.addDoctor({ id: `d${d}`, name: `Doctor ${d}` });
    await scheduler.addSlots(
      `d${d}`,
      Array.from({ length: SLOTS }, (_, s) => {
        const hour = String(8 + s).padStart(2, '0');
        const end = String(9 + s).padStart(2, '0');
        return { start: `${day}T${hour}:00:00Z`, end: `${day}T${end}:00:00Z`, capacity: CAPACITY };
      }),
    );
  }
  // Request logs are written the way standard output writes to a file: synchronously.
  const sink = openSync('/dev/null', 'w');
  const server = await startServer({ scheduler, apiKeys: [{ actor: 'bench', key: BENCH_KEY }], port: 0, logger: jsonLogger((text) => writeSync(sink, text)) });
  process.on(
    'SIGTERM',
    () =>
      void server
        .shutdown(1000)
        .then(() => scheduler.close())
        .then(() => process.exit(0)),
  );
  return server.port;
}

async function bare(): Promise<number> {
  const app = express();
  app.use(express.json());
  app.post('/api/tokens', (req, res) => {
    res.status(201).json({ ok: true, doctorId: (req.body as { doctorId?: unknown }).doctorId });
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
  const address = server.address();
  return typeof address === 'object' && address !== null ? address.port : 0;
}

const kind = process.argv[2];
if (kind === 'opd' || kind === 'bare') {
  const port = await (kind === 'opd' ? opd() : bare());
  process.stdout.write(`READY ${port}\n`);
}
