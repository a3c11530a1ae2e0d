import { spawn } from 'node:child_process';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { connect } from 'node:net';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MemoryStorage, OpdScheduler, presets, type StorageAdapter } from 'opd-scheduler';
import { describe, expect, it } from 'vitest';
import { LONG } from '../../intensity.js';
import { startServer } from '../../../examples/express-server/app.js';
import { loadConfig, StartupError } from '../../../examples/express-server/config.js';
import { jsonLogger, silentLogger } from '../../../examples/express-server/log.js';
import { openStorage } from '../../../examples/express-server/storage.js';
import { SseReader, doctorWithSlots, startHarness } from './harness.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

describe('settings', () => {
  it('defaults to memory on 127.0.0.1:3000, UTC, the standard preset, JSON logs, no key', () => {
    expect(loadConfig({})).toEqual({
      port: 3000,
      host: '127.0.0.1',
      apiKeys: [],
      rateLimit: { limit: 120, windowMs: 60_000 },
      sweepEveryMs: 60_000,
      timeZone: 'UTC',
      facilityId: 'default',
      preset: 'standard',
      storage: { kind: 'memory' },
      log: true,
      corsOrigins: undefined,
      rooms: {},
      boardLanguage: 'en',
    });
    expect(loadConfig({ PORT: '', OPD_API_KEYS: '', OPD_API_KEY: '' })).toMatchObject({ port: 3000, apiKeys: [] });
    expect(loadConfig({ OPD_FACILITY_ID: 'IN2710001234' })).toMatchObject({ facilityId: 'IN2710001234' });
    for (const bad of ['-north', 'a b', 'x'.repeat(101)])
      expect(() => loadConfig({ OPD_FACILITY_ID: bad })).toThrow(/OPD_FACILITY_ID must be 1 to 100 letters/);
    expect(loadConfig({ PORT: '0', HOST: '0.0.0.0', OPD_TIME_ZONE: 'Asia/Kolkata', OPD_PRESET: 'waitlist', OPD_LOG: 'off' })).toMatchObject({
      port: 0,
      host: '0.0.0.0',
      timeZone: 'Asia/Kolkata',
      preset: 'waitlist',
      log: false,
    });
  });

  it('selects PGlite with OPD_DATA_DIR and PostgreSQL with DATABASE_URL, never both', () => {
    expect(loadConfig({ OPD_DATA_DIR: '/var/lib/opd' }).storage).toEqual({ kind: 'pglite', dataDir: '/var/lib/opd', schema: undefined });
    expect(loadConfig({ DATABASE_URL: 'postgres://opd@db/opd', OPD_DB_SCHEMA: 'opd' }).storage).toEqual({
      kind: 'postgres',
      url: 'postgres://opd@db/opd',
      schema: 'opd',
    });
    expect(() => loadConfig({ DATABASE_URL: 'postgres://db/opd', OPD_DATA_DIR: '/tmp/x' })).toThrow(/either DATABASE_URL .* or OPD_DATA_DIR/);
    expect(() => loadConfig({ DATABASE_URL: 'mysql://db/opd' })).toThrow(/DATABASE_URL must be a postgres:\/\/ URL/);
    expect(() => loadConfig({ OPD_DB_SCHEMA: 'Robert"); DROP' })).toThrow(StartupError);
  });

  it('refuses bad values with a message naming the variable, never echoing it', () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ PORT: 'eighty' }, /^PORT must be a port number$/],
      [{ PORT: '70000' }, /^PORT must be a port number$/],
      [{ OPD_API_KEYS: 'desk:short-secret' }, /^OPD_API_KEYS: the key of `desk` must be at least 16 characters$/],
      [{ OPD_API_KEYS: 'desk:a long key with spaces' }, /^OPD_API_KEYS: the key of `desk` must be printable ASCII/],
      [{ OPD_PRESET: 'fifo' }, /^OPD_PRESET must be one of standard, cascade, waitlist, elastic$/],
      [{ OPD_LOG: 'verbose' }, /^OPD_LOG must be json or off$/],
    ];
    for (const [env, message] of cases) {
      expect(() => loadConfig(env)).toThrow(message);
      try {
        loadConfig(env);
      } catch (error) {
        expect(error).toBeInstanceOf(StartupError);
        for (const value of Object.values(env)) expect((error as Error).message).not.toContain(value);
      }
    }
  });

  it('opens memory storage, and PGlite in OPD_DATA_DIR that keeps every booking across a restart', async () => {
    const memory = await openStorage({ kind: 'memory' });
    expect(memory.kind).toBe('memory');
    expect(memory.storage).toBeInstanceOf(MemoryStorage);
    await memory.close();

    const dataDir = await mkdtemp(join(tmpdir(), 'opd-data-'));
    try {
      const first = await openStorage({ kind: 'pglite', dataDir, schema: 'opd' });
      expect(first.kind).toBe('pglite');
      const opd = new OpdScheduler({ ...presets.standard(), storage: first.storage, clock: () => new Date('2026-03-02T08:00:00Z') });
      await opd.addDoctor({ id: 'd1', name: 'Dr. Rao' });
      await opd.addSlots('d1', [{ id: 's1', start: '2026-03-02T09:00:00Z', end: '2026-03-02T10:00:00Z', capacity: 2 }]);
      const booked = await opd.book({ doctorId: 'd1', category: 'ONLINE', patient: { id: 'p1', name: 'A' }, slotId: 's1' });
      await opd.close();
      await first.close();

      const second = await openStorage({ kind: 'pglite', dataDir, schema: 'opd' });
      const reopened = new OpdScheduler({ ...presets.standard(), storage: second.storage, clock: () => new Date('2026-03-02T08:00:00Z') });
      expect(await reopened.getToken(booked.token.id)).toEqual(booked.token);
      expect((await reopened.history()).map((e) => e.type)).toEqual(['token:booked']);
      await reopened.close();
      await second.close();
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('says why a PostgreSQL server cannot be opened, without the password of its URL', async () => {
    // Nothing listens on port 1.
    const failure = openStorage({ kind: 'postgres', url: 'postgres://u:s3cret@127.0.0.1:1/opd', schema: undefined });
    await expect(failure).rejects.toBeInstanceOf(StartupError);
    await expect(failure).rejects.toThrow(/^cannot open the PostgreSQL database at DATABASE_URL/);
    await expect(failure).rejects.not.toThrow(/s3cret/);
  });
});

describe('logging', () => {
  it('writes JSON lines, gathered once per event-loop turn, errors at once', async () => {
    const writes: string[] = [];
    const logger = jsonLogger((text) => writes.push(text));
    logger.info('request', { requestId: 'a', status: 201 });
    logger.info('request', { requestId: 'b', status: 404, errorCode: 'NOT_FOUND' });
    expect(writes).toEqual([]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(writes).toHaveLength(1);
    const lines = writes[0]!
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toMatchObject([
      { level: 'info', msg: 'request', requestId: 'a', status: 201 },
      { level: 'info', msg: 'request', requestId: 'b', errorCode: 'NOT_FOUND' },
    ]);
    logger.info('pending', {});
    logger.error('request failed', { errorCode: 'STORAGE_FAILURE' });
    expect(writes).toHaveLength(2);
    expect(writes[1]).toContain('"msg":"pending"');
    logger.flush?.();
    expect(writes).toHaveLength(2);
  });
});

describe('startup', () => {
  it('rejects when the port is taken', async () => {
    const h = await startHarness();
    try {
      await expect(startServer({ scheduler: h.opd, port: h.server.port, logger: silentLogger })).rejects.toMatchObject({ code: 'EADDRINUSE' });
      expect((await h.call('GET', '/api/health')).status).toBe(200);
    } finally {
      await h.close();
    }
  });
});

describe('graceful shutdown', () => {
  it('finishes requests in progress, ends event streams, refuses new connections', async () => {
    // A store that holds the next unit of work until the test lets it go.
    const inner = new MemoryStorage();
    let hold: { entered: () => void; release: Promise<void> } | undefined;
    const gated: StorageAdapter = {
      name: 'gated',
      transact: async (request, decide) => {
        const gate = hold;
        hold = undefined;
        if (gate !== undefined) {
          gate.entered();
          await gate.release;
        }
        return inner.transact(request, decide);
      },
      read: (request) => inner.read(request),
      listDoctors: () => inner.listDoctors(),
      allocateId: () => inner.allocateId(),
      findDueDays: (cutoff) => inner.findDueDays(cutoff),
      scanDays: (filter) => inner.scanDays(filter),
      history: (after, limit) => inner.history(after, limit),
      close: () => inner.close(),
    };
    const h = await startHarness({ scheduler: { storage: gated } });
    await doctorWithSlots(h, 'd1', [9], 5);
    const stream = await SseReader.open(`${h.url}/events`);
    const board = await SseReader.open(`${h.url}/display/d1/events`);
    expect([stream.status, board.status]).toEqual([200, 200]);

    let release!: () => void;
    const entered = new Promise<void>((resolve) => {
      hold = { entered: resolve, release: new Promise<void>((r) => (release = r)) };
    });
    const booking = fetch(`${h.url}/api/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ doctorId: 'd1', category: 'ONLINE', patient: { name: 'A' } }),
    });
    await entered;
    let stopped = false;
    const shutdown = h.server.shutdown(30_000).then(() => (stopped = true));
    await stream.ended;
    await board.ended;
    await expect(fetch(`${h.url}/api/health`)).rejects.toThrow();
    expect(stopped).toBe(false);

    release();
    const answer = await booking;
    expect(answer.status).toBe(201);
    expect(answer.headers.get('connection')).toBe('close');
    expect(((await answer.json()) as { outcome: string }).outcome).toBe('BOOKED');
    await shutdown;
    expect(stopped).toBe(true);
    // The booking was stored and emitted before the stream ended: it is in the history.
    expect((await h.opd.history()).map((e) => e.type)).toEqual(['token:booked']);
    await h.opd.close();
  });
});

describe('graceful shutdown and keep-alive', () => {
  it('takes no request on a connection it ended: one sent as its previous answer finished is dropped unread, not booked unanswered', async () => {
    const h = await startHarness();
    await doctorWithSlots(h, 'd1', [9], 5);
    const bookingRequest = (name: string): string => {
      const body = JSON.stringify({ doctorId: 'd1', category: 'ONLINE', patient: { id: name, name } });
      return `POST /api/tokens HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
    };
    // The shutdown starts as the first answer is handed to the connection, kept alive: the
    // connection has a request in progress then, and is ended once the answer is sent. (Node's
    // own sweep of idle connections at `close` is turned off: it closes this one at once here,
    // but not one whose request is still being read when the shutdown starts, as under load.)
    h.server.server.closeIdleConnections = () => undefined;
    h.server.server.once('request', (_req: IncomingMessage, res: ServerResponse) => {
      const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
      res.end = ((...args: unknown[]) => {
        const ended = end(...args);
        void h.server.shutdown(5_000);
        return ended;
      }) as typeof res.end;
    });
    const socket = connect(h.server.port, '127.0.0.1');
    await once(socket, 'connect');
    let received = '';
    let second = false;
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString();
      // As soon as the first answer is complete, the next request goes on the same connection.
      if (!second && /\r\n\r\n\{.*\}$/s.test(received)) {
        second = true;
        socket.write(bookingRequest('second'));
      }
    });
    socket.on('error', () => undefined);
    socket.write(bookingRequest('first'));
    await once(socket, 'close');
    expect(received).toMatch(/^HTTP\/1\.1 201 /);
    expect(received.match(/HTTP\/1\.1 /g)).toHaveLength(1);
    expect(second).toBe(true);
    // Only the answered booking was stored.
    expect((await h.opd.history()).map((e) => e.type)).toEqual(['token:booked']);
    await h.opd.close();
  });
});

describe('npm run serve (a real process)', () => {
  function serve(env: Record<string, string>): { child: ReturnType<typeof spawn>; stdout: () => string; stderr: () => string } {
    const child = spawn(process.execPath, ['--import', 'tsx', 'examples/express-server/main.ts'], {
      cwd: ROOT,
      env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    return { child, stdout: () => out, stderr: () => err };
  }

  it('starts from the environment, serves, and exits 0 on SIGTERM after closing its streams', async () => {
    const proc = serve({ PORT: '0', OPD_API_KEYS: 'desk-1:process-key-0123456789', OPD_TIME_ZONE: 'Asia/Kolkata' });
    try {
      while (!/"msg":"listening".*\n/.test(proc.stdout())) {
        if (proc.child.exitCode !== null) throw new Error(`exited early: ${proc.stderr()}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const listening = proc
        .stdout()
        .split('\n')
        .filter((line) => line.includes('"msg":"listening"'))
        .map((line) => JSON.parse(line) as Record<string, unknown>)[0]!;
      expect(listening).toMatchObject({
        storage: 'memory',
        preset: 'standard',
        timeZone: 'Asia/Kolkata',
        authRequired: true,
        actors: 'desk-1',
        rateLimit: '120/60s',
        sweepEvery: '60s',
      });
      const url = listening['url'] as string;
      const health = await fetch(`${url}/api/health`);
      expect(await health.json()).toMatchObject({ status: 'ok', authRequired: true, timeZone: 'Asia/Kolkata' });
      expect((await fetch(`${url}/api/doctors`)).status).toBe(401);
      const created = await fetch(`${url}/api/doctors`, {
        method: 'POST',
        headers: { authorization: 'Bearer process-key-0123456789', 'content-type': 'application/json' },
        body: JSON.stringify({ id: 'd1', name: 'Dr. Sharma' }),
      });
      expect(created.status).toBe(201);
      const stream = await SseReader.open(`${url}/events`, { authorization: 'Bearer process-key-0123456789' });
      expect(stream.status).toBe(200);

      const exited = once(proc.child, 'exit');
      proc.child.kill('SIGTERM');
      const [code] = (await exited) as [number | null];
      await stream.ended;
      expect(code).toBe(0);
      const lines = proc
        .stdout()
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { msg: string; route?: string });
      const messages = lines.map((l) => l.msg);
      expect(messages.at(-1)).toBe('stopped');
      // The event stream was ended by the shutdown (and logged then), before the process stopped.
      const streamLine = lines.findIndex((l) => l.route === '/events');
      expect(streamLine).toBeGreaterThan(messages.indexOf('shutting down'));
      expect(proc.stdout()).not.toContain('process-key');
    } finally {
      proc.child.kill('SIGKILL');
    }
  });

  async function listening(proc: ReturnType<typeof serve>): Promise<string> {
    while (!/"msg":"listening".*\n/.test(proc.stdout())) {
      if (proc.child.exitCode !== null) throw new Error(`exited early: ${proc.stderr()}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const line = proc
      .stdout()
      .split('\n')
      .find((l) => l.includes('"msg":"listening"'))!;
    return (JSON.parse(line) as { url: string }).url;
  }

  async function post(url: string, body: unknown): Promise<Response> {
    return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  }

  // A slow example, run by `npm run test:long` only: a whole server process started twice on PGlite; the restart on PGlite in-process is above.
  it.runIf(LONG)('starts on PGlite with OPD_DATA_DIR and serves what it stored before a restart', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'opd-data-'));
    const start = '2099-03-02T09:00:00Z';
    try {
      const first = serve({ PORT: '0', OPD_DATA_DIR: dataDir });
      let url = await listening(first);
      expect(first.stdout()).toContain('"storage":"pglite"');
      // Without keys, the startup log says it is development mode, and who every call is made by.
      expect(first.stdout()).toContain('"actors":"anonymous"');
      expect(first.stdout()).toMatch(/"msg":"development mode: no OPD_API_KEYS, so the server listens on loopback only, every call is made by `anonymous`/);
      expect((await post(`${url}/api/doctors`, { id: 'd1', name: 'Dr. Rao' })).status).toBe(201);
      expect((await post(`${url}/api/doctors/d1/slots`, { slots: [{ id: 's1', start, end: '2099-03-02T10:00:00Z', capacity: 2 }] })).status).toBe(201);
      const booked = (await (
        await post(`${url}/api/tokens`, { doctorId: 'd1', category: 'ONLINE', patient: { id: 'p1', name: 'A' }, slotId: 's1' })
      ).json()) as {
        token: { id: string; status: string };
      };
      expect(booked.token.status).toBe('BOOKED');
      first.child.kill('SIGTERM');
      expect(((await once(first.child, 'exit')) as [number | null])[0]).toBe(0);

      const second = serve({ PORT: '0', OPD_DATA_DIR: dataDir });
      try {
        url = await listening(second);
        const token = (await (await fetch(`${url}/api/tokens/${encodeURIComponent(booked.token.id)}`)).json()) as { id: string; status: string };
        expect(token).toMatchObject({ id: booked.token.id, status: 'BOOKED' });
      } finally {
        second.child.kill('SIGKILL');
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  const databaseUrl = process.env['DATABASE_URL'];
  it.skipIf(databaseUrl === undefined || databaseUrl === '')(
    'with DATABASE_URL, two server processes share one database, and each one streams the events of the other',
    async () => {
      const schema = `opd_t_server_${process.pid}`;
      const env = { PORT: '0', DATABASE_URL: databaseUrl!, OPD_DB_SCHEMA: schema };
      const a = serve(env);
      const b = serve(env);
      const pg = (await import('pg')).default;
      const admin = new pg.Pool({ connectionString: databaseUrl, max: 1 });
      try {
        const [urlA, urlB] = await Promise.all([listening(a), listening(b)]);
        const stream = await SseReader.open(`${urlB}/events`);
        expect(stream.status).toBe(200);
        expect((await post(`${urlA}/api/doctors`, { id: 'd1', name: 'Dr. Rao' })).status).toBe(201);
        expect(
          (await post(`${urlA}/api/doctors/d1/slots`, [{ id: 's1', start: '2099-03-02T09:00:00Z', end: '2099-03-02T10:00:00Z', capacity: 1 }])).status,
        ).toBe(201);
        // The last place, asked for through both processes at once: one gets it, one waits.
        const answers = await Promise.all(
          [urlA, urlB].map(
            async (url, i) =>
              (await (await post(`${url}/api/tokens`, { doctorId: 'd1', category: 'ONLINE', patient: { id: `p${i}`, name: 'A' }, slotId: 's1' })).json()) as {
                outcome: string;
                token: { id: string };
              },
          ),
        );
        expect(answers.map((r) => r.outcome).sort()).toEqual(['BOOKED', 'WAITLISTED']);
        const booked = answers.find((r) => r.outcome === 'BOOKED')!;
        // Whichever process booked it, B's stream reports both tokens.
        await stream.until((frames) => frames.filter((f) => f.event === 'token:booked' || f.event === 'token:waitlisted').length === 2, 'both tokens');
        expect(stream.frames.some((f) => f.event === 'token:booked' && f.data.includes(booked.token.id))).toBe(true);
        stream.close();
        // Each process ends its pool and exits by itself on SIGTERM.
        const exits = [a, b].map((p) => once(p.child, 'exit'));
        a.child.kill('SIGTERM');
        b.child.kill('SIGTERM');
        expect((await Promise.all(exits)).map(([code]) => code as number | null)).toEqual([0, 0]);
      } finally {
        a.child.kill('SIGKILL');
        b.child.kill('SIGKILL');
        await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        await admin.end();
      }
    },
    90_000,
  );
});
