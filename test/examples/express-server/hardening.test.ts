/**
 * The example server under attack and in a hospital network: bodies judged in linear time,
 * patient data only with the key, no listening beyond loopback without one, CORS, paged lists,
 * conflicts as 409, and signals that reach the server started by `npm run serve`.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { OpdScheduler } from 'opd-scheduler';
import { afterEach, describe, expect, it } from 'vitest';
import { startServer } from '../../../examples/express-server/app.js';
import { loadConfig, parseServerArgs, StartupError } from '../../../examples/express-server/config.js';
import { silentLogger } from '../../../examples/express-server/log.js';
import { MAX_BODY_DEPTH } from '../../../examples/express-server/route.js';
import { DAY, KEY, book, doctorWithSlots, enc, expectDocumented, expectError, startHarness, tokenOf, type Harness } from './harness.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** Milliseconds a call takes. A hang guard only: these bounds are many times what it needs. */
async function timed<T>(call: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await call();
  return { value, ms: performance.now() - started };
}

describe('JSON bodies', () => {
  it('refuses a deeply nested body at once, answering in time linear in its size', async () => {
    h = await startHarness({ apiKey: KEY });
    const harness = h;
    const post = (raw: string) => harness.call('POST', '/api/tokens', { raw, headers: { 'content-type': 'application/json' } });
    // 80 kB of brackets: the old check copied a path per node (about 16 s here).
    const brackets = `${'['.repeat(40_000)}${']'.repeat(40_000)}`;
    const { value: deep, ms } = await timed(() => post(brackets));
    expect(expectError(deep, 400, 'VALIDATION_FAILED').details).toEqual({ field: 'body', in: 'body', maxDepth: MAX_BODY_DEPTH });
    expect(ms).toBeLessThan(5_000);
    // Objects too, and brackets inside strings do not count.
    let nested = '1';
    for (let i = 0; i < MAX_BODY_DEPTH; i++) nested = `{"a":${nested}}`;
    expectError(await post(`{"doctorId":"d1","category":"ONLINE","patient":{"name":"A","x":${nested}}}`), 400, 'VALIDATION_FAILED');
    await doctorWithSlots(harness, 'd1', [9], 5);
    const quoted = await post(`{"doctorId":"d1","category":"ONLINE","patient":{"name":"${'[{'.repeat(40)}\\"${'}]'.repeat(40)}"}}`);
    expect(quoted.status, quoted.text).toBe(201);
  });

  it('checks a wide body for __proto__ keys in linear time and names the field', async () => {
    h = await startHarness({ apiKey: KEY, bodyLimit: '1mb' });
    const wide = { doctorId: 'd1', category: 'ONLINE', patient: { name: 'A', visits: Array.from({ length: 12_000 }, (_, i) => ({ n: i, at: [i] })) } };
    const raw = JSON.stringify(wide).replace('{"n":11999', '{"__proto__":{"admin":true},"n":11999');
    expect(raw.length).toBeGreaterThan(200_000);
    const { value, ms } = await timed(() => h!.call('POST', '/api/tokens', { raw, headers: { 'content-type': 'application/json' } }));
    expect(expectError(value, 400, 'VALIDATION_FAILED').details).toEqual({ field: 'patient.visits[11999].__proto__', in: 'body' });
    expect(ms).toBeLessThan(5_000);
    expect(({} as Record<string, unknown>)['admin']).toBeUndefined();
    // Below a patient's top level, field names can be data: shown as `*`.
    const nested = await h.call('POST', '/api/tokens', {
      raw: '{"doctorId":"d1","category":"ONLINE","patient":{"name":"A","conditions":{"HIV":{"__proto__":{}}}}}',
      headers: { 'content-type': 'application/json' },
    });
    expect(expectError(nested, 400, 'VALIDATION_FAILED').details).toEqual({ field: 'patient.conditions.*.__proto__', in: 'body' });
    const library = await h.call('POST', '/api/tokens', {
      body: { doctorId: 'd1', category: 'ONLINE', patient: { name: 'A', conditions: { HIV: Number.MAX_VALUE, HIV2: 'x'.repeat(10_001) } } },
    });
    expect(JSON.stringify(expectError(library, 400, 'VALIDATION_FAILED'))).not.toContain('HIV');
  });
});

describe('patient data only with the API key', () => {
  it('without a key configured, no answer carries patient data, though bookings work', async () => {
    h = await startHarness();
    const [nine] = await doctorWithSlots(h, 'd1', [9], 5);
    const booked = await book(h, 'd1', 'ONLINE', { slotId: nine!, name: 'Asha Verma', patientId: 'ABHA-91-1234' });
    expect(booked.status).toBe(201);
    expect(expectDocumented(h, 'book', booked)).toMatchObject({ token: { patient: null, tokenNumber: 1 } });
    const token = tokenOf(booked);
    const reads = [
      await h.call('GET', `/api/tokens/${enc(token.id)}`),
      await h.call('GET', `/api/slots/${enc(nine!)}`),
      await h.call('GET', `/api/doctors/d1/schedule?date=${DAY}`),
      await h.call('GET', `/api/doctors/d1/waitlist?date=${DAY}`),
      await h.call('POST', `/api/tokens/${enc(token.id)}/check-in`),
      await h.call('POST', `/api/tokens/${enc(token.id)}/cancel`),
    ];
    for (const answer of reads) {
      expect(answer.status, answer.text).toBeLessThan(300);
      for (const phi of ['Asha', 'ABHA', '9876543210']) expect(answer.text).not.toContain(phi);
    }
    expect((reads[0]!.body as { patient: unknown }).patient).toBeNull();
    // The engine still has it, for whoever holds the scheduler.
    expect((await h.opd.getToken(token.id)).patient.name).toBe('Asha Verma');
  });

  it('with a key, requests carrying it get patient data', async () => {
    h = await startHarness({ apiKey: KEY });
    await doctorWithSlots(h, 'd1', [9], 5);
    const token = tokenOf(await book(h, 'd1', 'ONLINE', { name: 'Asha Verma', patientId: 'ABHA-91-1234' }));
    const read = await h.call('GET', `/api/tokens/${enc(token.id)}`);
    expect(read.body).toMatchObject({ patient: { name: 'Asha Verma', id: 'ABHA-91-1234' } });
  });
});

describe('listening', () => {
  it('refuses an address beyond loopback without an API key, and takes one with a key', async () => {
    const opd = new OpdScheduler();
    try {
      for (const host of ['0.0.0.0', '::', '192.168.1.20']) {
        await expect(startServer({ scheduler: opd, host, port: 0, logger: silentLogger })).rejects.toThrow(StartupError);
        await expect(startServer({ scheduler: opd, host, port: 0, logger: silentLogger })).rejects.toThrow(/without API keys: set OPD_API_KEYS/);
      }
      const local = await startServer({ scheduler: opd, host: 'localhost', port: 0, logger: silentLogger });
      await local.shutdown(100);
      // A bad key set refuses to start, naming the key by its name, never quoting it.
      await expect(startServer({ scheduler: opd, host: '0.0.0.0', port: 0, apiKeys: [{ actor: 'desk', key: 'short' }], logger: silentLogger })).rejects.toThrow(
        /^Expected valid `apiKeys`: the key of `desk` must be at least 16 characters$/,
      );
      await expect(startServer({ scheduler: opd, port: 0, sweepEveryMs: 0, logger: silentLogger })).rejects.toThrow(
        /^Expected `sweepEveryMs` to be a positive integer, got `0`$/,
      );
      await expect(startServer({ scheduler: opd, port: 0, rateLimit: { limit: 10, windowMs: -1 }, logger: silentLogger })).rejects.toThrow(
        /^Expected `rateLimit.windowMs` to be a positive integer, got `-1`$/,
      );
      const keyed = await startServer({ scheduler: opd, host: '0.0.0.0', port: 0, apiKeys: [{ actor: 'desk', key: KEY }], logger: silentLogger });
      expect(keyed.url).toMatch(/^http:\/\/0\.0\.0\.0:\d+$/);
      await keyed.shutdown(100);
    } finally {
      await opd.close();
    }
  });
});

describe('CORS', () => {
  it('is off by default, and answers only the configured origins', async () => {
    h = await startHarness({ apiKey: KEY });
    const plain = await h.call('GET', '/api/health', { headers: { origin: 'https://desk.example' } });
    expect(plain.headers.get('access-control-allow-origin')).toBeNull();
    await h.close();

    h = await startHarness({ apiKey: KEY, corsOrigins: ['https://desk.example'] });
    const preflight = await h.call('OPTIONS', '/api/tokens', {
      key: null,
      headers: {
        origin: 'https://desk.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type, x-actor',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://desk.example');
    // Every request header the API documents (X-Actor names who makes a call).
    expect(preflight.headers.get('access-control-allow-headers')?.split(',')).toEqual(
      expect.arrayContaining(['Authorization', 'Content-Type', 'Idempotency-Key', 'X-Actor']),
    );
    const allowed = await h.call('GET', '/api/doctors', { headers: { origin: 'https://desk.example' } });
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://desk.example');
    expect(allowed.headers.get('access-control-expose-headers')).toContain('Location');
    const other = await h.call('GET', '/api/doctors', { headers: { origin: 'https://evil.example' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('reads OPD_CORS_ORIGINS and --cors-origins', () => {
    expect(loadConfig({ OPD_CORS_ORIGINS: 'https://a.example, http://b.example:8080' }).corsOrigins).toEqual(['https://a.example', 'http://b.example:8080']);
    expect(loadConfig({ OPD_CORS_ORIGINS: '*' }).corsOrigins).toBe('*');
    expect(() => loadConfig({ OPD_CORS_ORIGINS: 'desk' })).toThrow(/^OPD_CORS_ORIGINS must be/);
    expect(parseServerArgs(['--cors-origins', '*', '--port', '8080', '--host=0.0.0.0']).env).toEqual({ OPD_CORS_ORIGINS: '*', PORT: '8080', HOST: '0.0.0.0' });
  });
});

describe('command-line flags (node:util parseArgs)', () => {
  it('map onto the settings, refuse unknown flags and have no flag for the key', () => {
    expect(parseServerArgs(['--time-zone', 'Asia/Kolkata', '--preset', 'waitlist', '--log', 'off'])).toEqual({
      env: { OPD_TIME_ZONE: 'Asia/Kolkata', OPD_PRESET: 'waitlist', OPD_LOG: 'off' },
      help: false,
    });
    expect(parseServerArgs(['-h']).help).toBe(true);
    expect(() => parseServerArgs(['--api-key', 'secret-0123456789abcdef'])).toThrow(StartupError);
    expect(() => parseServerArgs(['--port'])).toThrow(/--port/);
    expect(() => parseServerArgs(['serve'])).toThrow(StartupError);
    expect(loadConfig({ ...parseServerArgs(['--port', '0']).env })).toMatchObject({ port: 0 });
  });
});

describe('lists and conflicts', () => {
  it('pages doctors and waitlists with limit and after', async () => {
    h = await startHarness({ apiKey: KEY });
    for (const id of ['a', 'b', 'c', 'd', 'e']) await h.call('POST', '/api/doctors', { body: { id, name: `Dr ${id}` } });
    const seen: string[] = [];
    let after: string | null = '';
    let pages = 0;
    while (after !== null) {
      const answer = await h.call('GET', `/api/doctors?limit=2${after === '' ? '' : `&after=${enc(after)}`}`);
      const page = expectDocumented(h, 'listDoctors', answer) as { doctors: { id: string }[]; next: string | null };
      seen.push(...page.doctors.map((d) => d.id));
      after = page.next;
      pages++;
    }
    expect(seen).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(pages).toBe(3);
    expect((await h.call('GET', '/api/doctors')).body).toMatchObject({ next: null });
    expectError(await h.call('GET', '/api/doctors?limit=0'), 400, 'VALIDATION_FAILED');
    expectError(await h.call('GET', '/api/doctors?limit=1001'), 400, 'VALIDATION_FAILED');

    await doctorWithSlots(h, 'w', [9], 1);
    for (let i = 0; i < 4; i++) await book(h, 'w', 'ONLINE', { date: DAY });
    const first = expectDocumented(h, 'getWaitlist', await h.call('GET', `/api/doctors/w/waitlist?date=${DAY}&limit=2`)) as {
      waitlist: { tokenNumber: number }[];
      next: string;
    };
    expect(first.waitlist.map((t) => t.tokenNumber)).toEqual([2, 3]);
    const second = (await h.call('GET', `/api/doctors/w/waitlist?date=${DAY}&limit=2&after=${enc(first.next)}`)).body as {
      waitlist: { tokenNumber: number }[];
      next: null;
    };
    expect(second).toMatchObject({ next: null });
    expect(second.waitlist.map((t) => t.tokenNumber)).toEqual([4]);
  });

  it('answers 409 ALREADY_EXISTS for a taken slot id, and 400 for a malformed one', async () => {
    h = await startHarness({ apiKey: KEY });
    await doctorWithSlots(h, 'd1', [9], 1);
    const taken = await h.call('POST', '/api/doctors/d1/slots', { body: [{ id: 'd1-09', start: `${DAY}T12:00:00Z`, end: `${DAY}T13:00:00Z`, capacity: 1 }] });
    expect(expectError(taken, 409, 'ALREADY_EXISTS').details).toMatchObject({ field: 'slots[0].id', slotId: 'd1-09' });
    expectError(
      await h.call('POST', '/api/doctors/d1/slots', { body: [{ id: 'has space', start: `${DAY}T12:00:00Z`, end: `${DAY}T13:00:00Z`, capacity: 1 }] }),
      400,
      'VALIDATION_FAILED',
    );
    expectError(await h.call('POST', '/api/doctors', { body: { id: 'has space', name: 'B' } }), 400, 'VALIDATION_FAILED');
  });
});

describe('npm run serve', () => {
  it('stops when the npm process is killed by its pid: the signal reaches the server', async () => {
    const child = spawn('npm', ['run', 'serve', '--silent'], {
      cwd: ROOT,
      env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', PORT: '0', OPD_LOG: 'json' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    let serverPid: number | undefined;
    try {
      const deadline = Date.now() + 30_000;
      while (!/"msg":"listening".*\n/.test(out)) {
        if (child.exitCode !== null || Date.now() > deadline) throw new Error(`no listening line: ${err}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const listening = JSON.parse(out.split('\n').find((l) => l.includes('"msg":"listening"'))!) as { url: string; pid: number };
      serverPid = listening.pid;
      expect(serverPid).not.toBe(child.pid);
      expect((await fetch(`${listening.url}/api/health`)).status).toBe(200);

      const exited = once(child, 'exit');
      child.kill('SIGTERM'); // the npm process, not the server
      await exited;
      const gone = Date.now() + 10_000;
      while (isAlive(serverPid)) {
        if (Date.now() > gone) throw new Error(`the server (pid ${serverPid}) is still running after npm was killed`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      await expect(fetch(`${listening.url}/api/health`)).rejects.toThrow();
      expect(out).toContain('"msg":"stopped"');
    } finally {
      child.kill('SIGKILL');
      if (serverPid !== undefined && isAlive(serverPid)) process.kill(serverPid, 'SIGKILL');
    }
  });
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
