import { Validator } from '@seriousme/openapi-schema-validator';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApiPath } from '../../../examples/express-server/openapi.js';
import { DAY, doctorWithSlots, startHarness, type Harness } from './harness.js';

let h: Harness;
let doc: {
  openapi: string;
  paths: Record<
    string,
    Record<
      string,
      { operationId: string; security: unknown[]; requestBody?: { required: boolean }; parameters?: { name: string; in: string; required: boolean }[] }
    >
  >;
  components: {
    schemas: Record<string, { properties?: Record<string, { description?: string; $ref?: string }>; required?: string[]; additionalProperties?: unknown }>;
  };
};

beforeAll(async () => {
  h = await startHarness();
  const answer = await h.call('GET', '/openapi.json');
  expect(answer.status).toBe(200);
  expect(answer.headers.get('content-type')).toBe('application/json; charset=utf-8');
  doc = answer.body as typeof doc;
});
afterAll(async () => {
  await h.close();
});

describe('GET /openapi.json', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    expect(doc.openapi).toBe('3.1.0');
    const result = await new Validator().validate(structuredClone(doc) as unknown as Record<string, unknown>);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('documents every route the server answers, with its auth', () => {
    const documented = Object.entries(doc.paths).flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m} ${path}`));
    const served = h.server.routes.map((r) => `${r.method} ${openApiPath(r.path)}`);
    expect(documented.sort()).toEqual(served.sort());
    expect(new Set(h.server.routes.map((r) => r.operationId)).size).toBe(h.server.routes.length);
    for (const op of [
      'createDoctor',
      'listDoctors',
      'getDoctor',
      'updateDoctor',
      'retireDoctor',
      'addSlots',
      'getSlot',
      'book',
      'bookEmergency',
      'cancel',
      'markNoShow',
      'checkIn',
      'startConsultation',
      'complete',
      'bookFollowUp',
      'dueFollowUps',
      'cancelFollowUp',
      'bookSeries',
      'cancelSeries',
      'entitlementOf',
      'sweep',
      'closeSlot',
      'setCapacity',
      'getToken',
      'getSchedule',
      'getWaitlist',
      'stats',
      'history',
      'health',
      'events',
      'displayBoard',
    ]) {
      expect(
        h.server.routes.some((r) => r.operationId === op),
        op,
      ).toBe(true);
    }
  });

  it('documents the follow-up, series and free-revisit routes, each keyed, each change naming its actor', () => {
    const expected: [path: string, method: string, operationId: string, body: string | undefined][] = [
      ['/api/tokens/{tokenId}/follow-up', 'post', 'bookFollowUp', 'FollowUpRequest'],
      ['/api/follow-ups/due', 'get', 'dueFollowUps', undefined],
      ['/api/follow-ups/{followUpId}/cancel', 'post', 'cancelFollowUp', 'CancelFollowUpRequest'],
      ['/api/series', 'post', 'bookSeries', 'SeriesRequest'],
      ['/api/series/{seriesId}/cancel', 'post', 'cancelSeries', 'CancelSeriesRequest'],
      ['/api/patients/entitlement', 'post', 'entitlementOf', 'EntitlementRequest'],
      ['/api/tokens/{tokenId}/complete', 'post', 'complete', 'CompleteRequest'],
    ];
    for (const [path, method, operationId, body] of expected) {
      const operation = doc.paths[path]?.[method];
      expect(operation?.operationId, `${method} ${path}`).toBe(operationId);
      expect(operation!.security, operationId).toEqual([{ bearerAuth: [] }]);
      if (body !== undefined) {
        expect(operation!.requestBody, operationId).toMatchObject({ content: { 'application/json': { schema: { $ref: `#/components/schemas/${body}` } } } });
        // The entitlement is a read (a POST only to keep the patient id out of the URL): it takes no actor.
        expect(operation!.parameters?.some((p) => p.name === 'X-Actor' && p.in === 'header') ?? false, operationId).toBe(operationId !== 'entitlementOf');
      }
    }
    // No patient id in a path or a query: the entitlement is asked in the body.
    for (const [path, methods] of Object.entries(doc.paths)) {
      expect(path, path).not.toMatch(/patientId/);
      for (const operation of Object.values(methods)) expect(operation.parameters?.map((p) => p.name) ?? [], path).not.toContain('patientId');
    }
    expect(doc.paths['/api/series']!['post']!.parameters).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'dryRun', in: 'query', required: false }),
        expect.objectContaining({ name: 'Idempotency-Key', in: 'header' }),
      ]),
    );
    expect(doc.paths['/api/follow-ups/due']!['get']!.parameters?.map((p) => p.name).sort()).toEqual(['after', 'date', 'department', 'doctorId', 'limit']);
    expect(Object.keys(doc.components.schemas['SeriesRequest']!.properties!).sort()).toEqual([
      'category',
      'count',
      'department',
      'doctorId',
      'dryRun',
      'every',
      'holdMinutes',
      'idempotencyKey',
      'mode',
      'patient',
      'preferredTime',
      'start',
    ]);
    expect(Object.keys(doc.components.schemas['Token']!.properties!)).toEqual(expect.arrayContaining(['seriesId', 'occurrence', 'entitlement', 'charged']));
  });

  it('is generated from the schemas that validate requests', () => {
    const book = doc.paths['/api/tokens']!['post']!;
    expect(book.requestBody).toMatchObject({ required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/BookRequest' } } } });
    const request = doc.components.schemas['BookRequest']!;
    expect(Object.keys(request.properties!).sort()).toEqual(['after', 'category', 'date', 'department', 'doctorId', 'idempotencyKey', 'patient', 'slotId']);
    expect(request.required!.sort()).toEqual(['category', 'patient']);
    expect(request.additionalProperties).toBe(false);
    expect(request.properties!['category']!.description).toContain('PAID_PRIORITY→PAID');
    expect(request.properties!['patient']!.$ref).toBe('#/components/schemas/PatientInput');
    const close = doc.paths['/api/slots/{slotId}/close']!['post']!;
    expect(close.parameters).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'slotId', in: 'path', required: true }),
        expect.objectContaining({ name: 'dryRun', in: 'query', required: false }),
      ]),
    );
    expect(close.requestBody).toMatchObject({ required: false });
    // What the schema says is what the server does: an unknown field is refused.
    expect(doc.components.schemas['CreateDoctorRequest']!.additionalProperties).toBe(false);
  });

  it('documents the statuses the server gives every route: what it answers is in the document', async () => {
    type Operation = { responses: Record<string, unknown> };
    const statuses = (path: string, method: string): string[] => Object.keys((doc.paths[path]![method] as unknown as Operation).responses);
    for (const route of h.server.routes.filter((r) => r.kind === 'json')) {
      const documented = statuses(openApiPath(route.path), route.method);
      expect(documented, `${route.method} ${route.path}`).toContain('400');
      if (route.method !== 'get') {
        expect(documented, `${route.method} ${route.path}`).toEqual(expect.arrayContaining(['409', '413', '415']));
        const conflict = (doc.paths[openApiPath(route.path)]![route.method] as unknown as { responses: Record<string, { description: string }> }).responses[
          '409'
        ]!;
        expect(conflict.description, `${route.method} ${route.path}`).toContain('`CONFLICT`');
      }
    }
    // Answers the server gives, each documented for its operation.
    await doctorWithSlots(h, 'oa', [9], 1);
    const tooBig = JSON.stringify({ doctorId: 'oa', category: 'ONLINE', date: DAY, patient: { name: 'x'.repeat(300_000) } });
    const cases: [method: string, url: string, path: string, init: Parameters<Harness['call']>[2]][] = [
      ['POST', '/api/tokens', '/api/tokens', { raw: tooBig, headers: { 'content-type': 'application/json' } }],
      ['POST', '/api/tokens', '/api/tokens', { raw: '{}', headers: { 'content-type': 'text/plain' } }],
      ['POST', '/api/doctors', '/api/doctors', { raw: Buffer.from('{"name":"Jos\u00e9"}', 'latin1'), headers: { 'content-type': 'application/json' } }],
      ['POST', '/api/tokens/x/cancel', '/api/tokens/{tokenId}/cancel', { raw: '{}', headers: { 'content-type': 'text/plain' } }],
      ['GET', '/api/tokens/%ZZ', '/api/tokens/{tokenId}', undefined],
      ['GET', '/api/tokens/abc?x=1', '/api/tokens/{tokenId}', undefined],
      ['GET', '/api/doctors/oa?foo=1', '/api/doctors/{doctorId}', undefined],
    ];
    for (const [method, url, path, init] of cases) {
      const answer = await h.call(method, url, init);
      expect(answer.status, `${method} ${url}`).toBeGreaterThanOrEqual(400);
      expect(statuses(path, method.toLowerCase()), `${method} ${url} answered ${answer.status}`).toContain(String(answer.status));
    }
  });

  it('marks keyed routes with bearerAuth and public ones with no security', () => {
    expect(doc.paths['/api/tokens']!['post']!.security).toEqual([{ bearerAuth: [] }]);
    expect(doc.paths['/display/{doctorId}']!['get']!.security).toEqual([]);
    expect(doc.paths['/api/health']!['get']!.security).toEqual([]);
  });
});

describe('the document is complete', () => {
  it('describes every property of every schema, parameter and body', () => {
    const missing: string[] = [];
    const walk = (schema: unknown, path: string): void => {
      if (Array.isArray(schema)) return schema.forEach((s, i) => walk(s, `${path}[${i}]`));
      if (typeof schema !== 'object' || schema === null) return;
      const node = schema as Record<string, unknown>;
      const properties = node['properties'] as Record<string, Record<string, unknown>> | undefined;
      for (const [name, property] of Object.entries(properties ?? {})) {
        const ref = property['$ref'];
        const described = typeof property['description'] === 'string' && property['description'] !== '';
        const referenced = typeof ref === 'string' && typeof doc.components.schemas[ref.split('/').at(-1)!]?.['description' as never] === 'string';
        if (!described && !referenced) missing.push(`${path}.${name}`);
      }
      for (const [key, value] of Object.entries(node)) walk(value, `${path}.${key}`);
    };
    walk(doc.components.schemas, '#/components/schemas');
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(methods)) {
        for (const parameter of op.parameters ?? []) {
          if (typeof (parameter as { description?: unknown }).description !== 'string') missing.push(`${method} ${path} parameter ${parameter.name}`);
        }
      }
    }
    expect(missing).toEqual([]);
  });

  it('passes redocly lint (recommended rules) without a warning', async () => {
    // The one operation without a 2xx answer is the `GET /` redirect to the docs; every other
    // has one, as checked here, so that rule is skipped for redocly.
    const without2xx = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods)
        .filter(([, op]) => !Object.keys((op as unknown as { responses: object }).responses).some((s) => s.startsWith('2')))
        .map(([m]) => `${m} ${path}`),
    );
    expect(without2xx).toEqual(['get /']);
    const dir = await mkdtemp(join(tmpdir(), 'opd-openapi-'));
    try {
      const file = join(dir, 'openapi.json');
      await writeFile(file, JSON.stringify(doc));
      const redocly = fileURLToPath(new URL('../../../node_modules/.bin/redocly', import.meta.url));
      const output = await new Promise<string>((resolve, reject) =>
        execFile(
          redocly,
          ['lint', file, '--format=json', '--skip-rule=operation-2xx-response'],
          { env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' } },
          (error, stdout) => (error !== null && stdout === '' ? reject(error) : resolve(stdout)),
        ),
      );
      const report = JSON.parse(output) as { totals: { errors: number; warnings: number }; problems: { ruleId: string; location: { pointer: string }[] }[] };
      expect(report.problems.map((p) => `${p.ruleId} ${p.location[0]?.pointer}`)).toEqual([]);
      expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('GET /docs', () => {
  it('renders every operation and schema, offline: no scripts, no external assets', async () => {
    const page = await h.call('GET', '/docs');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(page.text).not.toContain('<script');
    expect(page.text).not.toMatch(/\b(src|href)=["']?(https?:)?\/\//);
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const method of Object.keys(methods)) expect(page.text).toContain(`<code>${method.toUpperCase()}</code> ${path}`);
    }
    for (const id of Object.keys(doc.components.schemas)) expect(page.text).toContain(`id="schema-${id}"`);
    for (const code of ['SLOT_FULL', 'INVALID_TRANSITION', 'UNAUTHORIZED', 'PAYLOAD_TOO_LARGE']) expect(page.text).toContain(`<code>${code}</code>`);
    const home = await fetch(`${h.url}/`, { redirect: 'manual' });
    expect(home.status).toBe(302);
    expect(home.headers.get('location')).toBe('/docs');
  });
});
