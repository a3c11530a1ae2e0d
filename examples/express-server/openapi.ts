/**
 * The OpenAPI 3.1 document, generated from the route table and the same zod schemas that
 * validate requests, and a browsable page rendering it (no scripts, no external assets).
 */
import { randomBytes } from 'node:crypto';
import { OPD_ERROR_CODES } from 'opd-scheduler';
import { z } from 'zod';
import { escapeHtml } from './display-page.js';
import { HTTP_ERROR_CODES, PROBLEM_TYPE, STATUS_BY_CODE, STATUS_BY_HTTP_CODE } from './http-errors.js';
import type { Route } from './route.js';
import { components } from './schemas.js';

/** A JSON Schema or OpenAPI object. */
type Json = { [key: string]: unknown };

/** The document served at `/openapi.json`. */
export interface OpenApiDocument extends Json {
  readonly openapi: '3.1.0';
  readonly paths: Record<string, Record<string, Json>>;
}

const REF = '#/components/schemas/';

/** What each code means, for the error table. */
const CODE_MEANING: Readonly<Record<string, string>> = {
  VALIDATION_FAILED: 'bad input (`details.field` names it, `details.in` says where), malformed JSON, or a rule refuses it',
  DOCTOR_NOT_FOUND: 'unknown doctor',
  SLOT_NOT_FOUND: 'unknown slot',
  TOKEN_NOT_FOUND: 'unknown token',
  SLOT_OVERLAP: 'a new slot overlaps another slot of the doctor',
  SLOT_FULL: 'the policy refuses a request for a full slot',
  DUPLICATE_BOOKING:
    'the patient already holds a live token the duplicate rules count against the request (`details.tokenId`, `details.reason`: `same-day` within `details.scope`, or `max-active`, the cap `details.maxActivePerPatient` reached)',
  IDEMPOTENCY_CONFLICT: 'an idempotency key reused for a different request',
  CONFLICT: 'the store could not serialize the call; retry',
  INVALID_TRANSITION: "the token's status does not allow it",
  NOT_YET_DUE: 'a no-show before the slot started',
  SLOT_CLOSED: 'the slot is closed',
  SLOT_ENDED: 'the slot is over',
  STORAGE_FAILURE: 'the store failed; retry later',
  ALREADY_EXISTS: 'a doctor or slot id given for a new one is taken',
  UNAUTHORIZED: 'missing or wrong `Authorization: Bearer <key>`',
  ACTOR_NOT_ALLOWED: '`X-Actor` names an actor the key may not sign as (only its own name, or `<name>/<sub-actor>` for a key marked `narrow`)',
  TOO_MANY_REQUESTS: 'over the booking rate limit of the key (or address); `Retry-After` says when to retry',
  NOT_FOUND: 'no such route',
  METHOD_NOT_ALLOWED: 'the route exists with other methods (see `Allow`)',
  PAYLOAD_TOO_LARGE: 'the request body is over the limit',
  UNSUPPORTED_MEDIA_TYPE: 'a request body that is not JSON',
  TOO_MANY_STREAMS: 'too many open event streams',
  SHUTTING_DOWN: 'the server is shutting down',
  INTERNAL_ERROR: 'a fault of the server (never caused by input)',
};

/** Every error code with its status, in table order. */
export function errorTable(): { code: string; status: number; meaning: string }[] {
  const rows = [
    ...OPD_ERROR_CODES.map((code) => ({ code, status: STATUS_BY_CODE[code] })),
    ...HTTP_ERROR_CODES.map((code) => ({ code, status: STATUS_BY_HTTP_CODE[code] })),
  ];
  return rows.map((row) => ({ ...row, meaning: CODE_MEANING[row.code] ?? '' }));
}

const dropNoise = (ctx: { jsonSchema: Json }): void => {
  // zod writes a long pattern beside `format: date(-time)`; the format says it.
  const format = ctx.jsonSchema['format'];
  if (format === 'date' || format === 'date-time') delete ctx.jsonSchema['pattern'];
};

function clean(schema: Json): Json {
  const { $schema: _schema, $id: _id, ...rest } = schema;
  return rest;
}

function inline(schema: z.ZodType): Json {
  return clean(z.toJSONSchema(schema, { io: 'input', override: dropNoise, unrepresentable: 'any' }) as Json);
}

function schemaRef(schema: z.ZodType): Json {
  const id = components.get(schema)?.id;
  return id === undefined ? inline(schema) : { $ref: `${REF}${id}` };
}

function isEmptyObject(schema: z.ZodType | undefined): boolean {
  return schema === undefined || (schema instanceof z.ZodObject && Object.keys(schema.shape).length === 0);
}

function parameters(route: Route): Json[] {
  const out: Json[] = [];
  const add = (where: 'path' | 'query', shape: Record<string, z.ZodType>): void => {
    for (const [name, field] of Object.entries(shape)) {
      const { description, ...schema } = inline(field);
      out.push({
        name,
        in: where,
        required: where === 'path' || !field.safeParse(undefined).success,
        ...(typeof description === 'string' ? { description } : {}),
        schema,
      });
    }
  };
  if (route.params !== undefined) add('path', route.params.shape);
  if (route.query !== undefined) add('query', route.query.shape);
  for (const header of route.headers ?? [])
    out.push({ name: header.name, in: 'header', required: false, description: header.description, schema: { type: 'string' } });
  return out;
}

function operation(route: Route): Json {
  const responses: Json = {};
  for (const [status, doc] of Object.entries(route.responses)) {
    const content =
      doc.schema !== undefined
        ? { [Number(status) >= 400 ? PROBLEM_TYPE : 'application/json']: { schema: schemaRef(doc.schema) } }
        : doc.content === 'application/fhir+json'
          ? { [doc.content]: { schema: fhirResource(doc.resource) } }
          : doc.content !== undefined
            ? { [doc.content]: { schema: { type: 'string' } } }
            : undefined;
    responses[status] = { description: doc.description, ...(content === undefined ? {} : { content }) };
  }
  const params = parameters(route);
  const op: Json = {
    operationId: route.operationId,
    tags: [route.tag],
    summary: route.summary,
    ...(route.description === undefined ? {} : { description: route.description }),
    ...(params.length === 0 ? {} : { parameters: params }),
    security: route.auth === 'key' ? [{ bearerAuth: [] }] : [],
    responses,
  };
  if (route.kind === 'json' && !isEmptyObject(route.body) && route.body !== undefined) {
    op['requestBody'] = { required: !route.bodyOptional, content: { 'application/json': { schema: schemaRef(route.body) } } };
  }
  if (route.kind === 'raw' && route.requestBody !== undefined) {
    const { description, required, content } = route.requestBody;
    op['requestBody'] = { description, required, content: Object.fromEntries(Object.entries(content).map(([media, schema]) => [media, { schema }])) };
  }
  return op;
}

/** The schema of a FHIR R4 resource answered as `application/fhir+json`: its `resourceType`, the rest as FHIR defines it. */
function fhirResource(type: string | undefined): Json {
  if (type === undefined) return { type: 'object', description: 'A FHIR R4 resource' };
  const page = `https://hl7.org/fhir/R4/${type.toLowerCase()}.html`;
  return {
    type: 'object',
    description: `A FHIR R4 \`${type}\` (${page})`,
    required: ['resourceType'],
    properties: { resourceType: { const: type, description: `Always \`${type}\`` } },
  };
}

/** `/api/tokens/:tokenId` → `/api/tokens/{tokenId}`. */
export function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z]+)/g, '{$1}');
}

/** Builds the document. */
export function openApiDocument(routes: readonly Route[]): OpenApiDocument {
  const { schemas } = z.toJSONSchema(components, { io: 'input', uri: (id) => `${REF}${id}`, override: dropNoise });
  const paths: Record<string, Record<string, Json>> = {};
  for (const route of routes) {
    const path = openApiPath(route.path);
    (paths[path] ??= {})[route.method] = operation(route);
  }
  const errors = errorTable()
    .map((row) => `| \`${row.code}\` | ${row.status} | ${row.meaning} |`)
    .join('\n');
  return {
    openapi: '3.1.0',
    info: {
      title: 'opd-scheduler HTTP API',
      version: '1.0.0',
      description:
        'Out-patient (OPD) token allocation over HTTP: doctors, slots, bookings from every channel, the visit lifecycle, ' +
        'no-show sweeps, closing slots and changing capacities (with dry runs), schedules, waitlists, statistics, history, live ' +
        'events and a waiting-room display board.\n\n' +
        'JSON in and out; instants are ISO-8601 strings. When the server has API keys (`OPD_API_KEYS=desk-1:<key>,portal:<key>`), ' +
        'routes marked with `bearerAuth` need `Authorization: Bearer <key>`, and the name of the key is the actor of the call, stored ' +
        'with every event it causes. `X-Actor` never names another actor: it may repeat the name, or, for a key marked `narrow` ' +
        '(`desk-1:<key>:narrow`), name a sub-actor `desk-1/<name>`; anything else is refused with 403 `ACTOR_NOT_ALLOWED`. The display ' +
        'board, health check and documentation stay public and show no patient data. Without keys the server listens on loopback ' +
        'only, every call is made by `anonymous` (or `anonymous/<name>`), and no answer contains patient data (`patient` is `null`). ' +
        'Bookings, holds and confirmations are rate-limited per key (per address without keys): over the limit, 429 ' +
        '`TOO_MANY_REQUESTS` with `Retry-After` and `RateLimit` headers; emergencies (`POST /api/tokens/emergency`) never are.' +
        '\n\nEvery error answers an RFC 9457 problem ' +
        '(`application/problem+json`): `{ "type", "title", "status", "detail", "instance", "code", "details", "requestId" }`, ' +
        'where `type` is `/docs#error-<code>`; under `/fhir`, every answer is FHIR JSON (`application/fhir+json`) and a failure is an ' +
        '`OperationOutcome` whose issue names the code (system `urn:opd-scheduler:error`). Lists are paged with `limit` and `after` (the `next` of the previous page).\n\n' +
        `| code | status | when |\n|---|---|---|\n${errors}\n`,
      license: { name: 'MIT', identifier: 'MIT' },
    },
    servers: [{ url: '/' }],
    tags: [
      { name: 'Doctors', description: 'Doctors, their slots, days and waitlists' },
      { name: 'Slots', description: 'Slot queues, closing, capacity, no-show sweeps' },
      { name: 'Tokens', description: 'Booking and the visit lifecycle' },
      { name: 'Follow-ups', description: 'Coming back: the follow-up of a visit, due follow-ups, series of visits, free revisits after a charged visit' },
      { name: 'Journeys', description: 'A visit through service points (registration, vitals, lab): forward, calls at a point, pooled departments' },
      { name: 'Reports', description: 'Statistics, history and live events' },
      { name: 'Patients', description: 'A patient’s data: export and erasure' },
      { name: 'Display board', description: 'The waiting-room screens of doctors and service points (public, token numbers only)' },
      { name: 'FHIR', description: 'FHIR R4 under `/fhir`: IHE ITI Scheduling `$find`, `$hold`, `$book` and a cancel (`application/fhir+json`)' },
      { name: 'Server', description: 'Health and documentation' },
    ],
    paths,
    components: {
      schemas: Object.fromEntries(Object.entries(schemas).map(([id, schema]) => [id, clean(schema as Json)])),
      securitySchemes: {
        bearerAuth: { type: 'http', scheme: 'bearer', description: 'One of the keys of `OPD_API_KEYS`; the name it is given there is the actor of the call' },
      },
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The docs page

const DOCS_STYLE = `
:root { color-scheme: light; --ink: #14212b; --muted: #5b6b78; --line: #dde5ec; --bg: #f6f8fa; --accent: #0b6bcb; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.55 "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", system-ui, sans-serif; color: var(--ink); background: #fff; }
.layout { display: grid; grid-template-columns: 290px 1fr; min-height: 100vh; }
nav { background: var(--bg); border-right: 1px solid var(--line); padding: 20px 16px; position: sticky; top: 0; height: 100vh; overflow: auto; }
nav h1 { font-size: 18px; margin: 0 0 4px; }
nav h3 { font-size: 12px; text-transform: uppercase; letter-spacing: .08em; color: var(--muted); margin: 18px 0 6px; }
nav a { display: block; color: var(--ink); text-decoration: none; padding: 2px 0; font-size: 13px; }
nav a:hover { color: var(--accent); }
main { padding: 28px 40px; max-width: 1100px; }
h2 { border-bottom: 1px solid var(--line); padding-bottom: 6px; margin-top: 40px; }
.op { border: 1px solid var(--line); border-radius: 8px; margin: 18px 0; padding: 14px 18px; }
.op h4 { margin: 0 0 6px; font-size: 16px; display: flex; gap: 10px; align-items: center; flex-wrap: wrap; }
.method { font: 700 12px/1 ui-monospace, "DejaVu Sans Mono", monospace; padding: 5px 8px; border-radius: 4px; color: #fff; text-transform: uppercase; }
.get { background: #1f7a4d; } .post { background: #0b6bcb; } .put { background: #a35a00; } .patch { background: #6b3fa0; }
code, pre { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 13px; }
.path { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 15px; }
.badge { font-size: 11px; border: 1px solid var(--line); border-radius: 10px; padding: 1px 8px; color: var(--muted); }
.badge.key { border-color: #c77700; color: #8a5200; }
pre { background: var(--bg); border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px; overflow: auto; max-height: 420px; }
table { border-collapse: collapse; width: 100%; margin: 8px 0; }
th, td { border-bottom: 1px solid var(--line); text-align: left; padding: 5px 8px; vertical-align: top; font-size: 14px; }
th { color: var(--muted); font-weight: 600; }
details summary { cursor: pointer; color: var(--accent); margin: 6px 0; }
.muted { color: var(--muted); }
`;

function inlineMarkdown(text: string): string {
  return escapeHtml(text).replace(/`([^`]+)`/g, '<code>$1</code>');
}

function jsonBlock(value: unknown): string {
  const text = escapeHtml(JSON.stringify(value, null, 2));
  return `<pre>${text.replace(/&#34;#\/components\/schemas\/([A-Za-z]+)&#34;/g, (_m, id: string) => `&#34;<a href="#schema-${id}">#/components/schemas/${id}</a>&#34;`)}</pre>`;
}

/** The browsable documentation page, rendered from the document. */
export function docsPage(doc: OpenApiDocument): { html: string; csp: string } {
  const nonce = randomBytes(16).toString('base64');
  const byTag = new Map<string, { method: string; path: string; op: Json }[]>();
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const tag = (op['tags'] as string[])[0] ?? 'Other';
      if (!byTag.has(tag)) byTag.set(tag, []);
      byTag.get(tag)!.push({ method, path, op });
    }
  }
  const schemas = (doc['components'] as { schemas: Record<string, Json> }).schemas;
  const anchor = (method: string, path: string): string => `op-${method}-${path.replace(/[^A-Za-z0-9]+/g, '-')}`;

  const nav = [...byTag]
    .map(
      ([tag, ops]) =>
        `<h3>${escapeHtml(tag)}</h3>${ops.map((o) => `<a href="#${anchor(o.method, o.path)}"><code>${o.method.toUpperCase()}</code> ${escapeHtml(o.path)}</a>`).join('')}`,
    )
    .join('');
  const sections = [...byTag]
    .map(([tag, ops]) => {
      const body = ops
        .map(({ method, path, op }) => {
          const params = (op['parameters'] as Json[] | undefined) ?? [];
          const paramTable =
            params.length === 0
              ? ''
              : `<table><tr><th>parameter</th><th>in</th><th>required</th><th>schema</th><th>description</th></tr>${params
                  .map(
                    (p) =>
                      `<tr><td><code>${escapeHtml(String(p['name']))}</code></td><td>${escapeHtml(String(p['in']))}</td><td>${p['required'] === true ? 'yes' : 'no'}</td><td><code>${escapeHtml(JSON.stringify(p['schema']))}</code></td><td>${inlineMarkdown(String(p['description'] ?? ''))}</td></tr>`,
                  )
                  .join('')}</table>`;
          const requestBody = op['requestBody'] as { required: boolean; content: Record<string, { schema: Json }> } | undefined;
          const bodySchema = requestBody?.content['application/json']?.schema;
          const bodyRef = typeof bodySchema?.['$ref'] === 'string' ? bodySchema['$ref'].slice(REF.length) : undefined;
          const bodyHtml =
            requestBody === undefined || bodySchema === undefined
              ? ''
              : `<p><strong>Request body</strong> (JSON${requestBody.required ? '' : ', optional'})${bodyRef === undefined ? '' : `: <a href="#schema-${escapeHtml(bodyRef)}"><code>${escapeHtml(bodyRef)}</code></a>`}</p>${jsonBlock(bodyRef === undefined ? bodySchema : (schemas[bodyRef] ?? bodySchema))}`;
          const responses = Object.entries(op['responses'] as Record<string, { description: string; content?: Record<string, { schema: Json }> }>)
            .map(([status, r]) => {
              const [media, content] = Object.entries(r.content ?? {})[0] ?? [];
              const schema =
                content === undefined
                  ? ''
                  : media === 'application/json' || media === PROBLEM_TYPE
                    ? `<code>${JSON.stringify(content.schema).includes('$ref') ? `<a href="#schema-${String(content.schema['$ref']).slice(REF.length)}">${escapeHtml(String(content.schema['$ref']).slice(REF.length))}</a>` : 'JSON'}</code>`
                    : `<code>${escapeHtml(media ?? '')}</code>`;
              return `<tr><td><code>${status}</code></td><td>${inlineMarkdown(r.description)}</td><td>${schema}</td></tr>`;
            })
            .join('');
          const secured = (op['security'] as unknown[]).length > 0;
          return `<div class="op" id="${anchor(method, path)}">
<h4><span class="method ${method}">${method}</span><span class="path">${escapeHtml(path)}</span>${secured ? '<span class="badge key">API key</span>' : '<span class="badge">public</span>'}</h4>
<p><strong>${inlineMarkdown(String(op['summary']))}</strong>${op['description'] === undefined ? '' : ` — ${inlineMarkdown(String(op['description']))}`}</p>
${paramTable}${bodyHtml}
<table><tr><th>status</th><th>answer</th><th>schema</th></tr>${responses}</table>
</div>`;
        })
        .join('\n');
      return `<h2 id="tag-${escapeHtml(tag.replace(/\s+/g, '-'))}">${escapeHtml(tag)}</h2>\n${body}`;
    })
    .join('\n');
  const schemaSection = Object.entries(schemas)
    .map(
      ([id, schema]) =>
        `<div class="op" id="schema-${escapeHtml(id)}"><h4><code>${escapeHtml(id)}</code></h4>${schema['description'] === undefined ? '' : `<p>${inlineMarkdown(String(schema['description']))}</p>`}<details><summary>JSON Schema</summary>${jsonBlock(schema)}</details></div>`,
    )
    .join('\n');
  const errorRows = errorTable()
    .map((row) => `<tr id="error-${row.code}"><td><code>${row.code}</code></td><td>${row.status}</td><td>${inlineMarkdown(row.meaning)}</td></tr>`)
    .join('');

  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,"><title>opd-scheduler HTTP API</title><style nonce="${nonce}">${DOCS_STYLE}</style></head>
<body><div class="layout">
<nav><h1>opd-scheduler</h1><div class="muted">HTTP API · OpenAPI ${escapeHtml(doc.openapi)}</div>
<h3>Start</h3><a href="#overview">Overview</a><a href="#errors">Errors</a><a href="/openapi.json">openapi.json</a>
${nav}<h3>Schemas</h3>${Object.keys(schemas)
    .map((id) => `<a href="#schema-${escapeHtml(id)}">${escapeHtml(id)}</a>`)
    .join('')}</nav>
<main>
<h1 id="overview">opd-scheduler HTTP API</h1>
<p>Out-patient (OPD) token allocation over HTTP. JSON in and out; instants are ISO-8601 strings. This page is rendered from
<a href="/openapi.json"><code>/openapi.json</code></a>, which is generated from the schemas that validate every request.</p>
<p>When the server has API keys (<code>OPD_API_KEYS=desk-1:&lt;key&gt;,portal:&lt;key&gt;</code>), routes marked <span class="badge key">API key</span> need
<code>Authorization: Bearer &lt;key&gt;</code>, and the key's name is the actor of the call; <code>X-Actor</code> may only narrow it to
<code>desk-1/&lt;name&gt;</code>, for a key marked <code>narrow</code>. Without keys the server listens on loopback only and every call is made by <code>anonymous</code>. The display board, the health check and this documentation are public and never show patient data.</p>
<pre>curl -X POST localhost:3000/api/doctors -H 'content-type: application/json' -d '{"id":"sharma","name":"Dr. Sharma","specialization":"Cardiology"}'
D=$(date -u -d tomorrow +%F)   # a day ahead, whenever this runs (GNU date; BSD/macOS: date -u -v+1d +%F)
curl -X POST localhost:3000/api/doctors/sharma/slots -H 'content-type: application/json' \\
  -d '[{"start":"'$D'T09:00:00+05:30","end":"'$D'T10:00:00+05:30","capacity":10}]'
curl -X POST localhost:3000/api/tokens -H 'content-type: application/json' \\
  -d '{"doctorId":"sharma","category":"ONLINE_BOOKING","patient":{"id":"ABHA-1","name":"Asha"},"date":"'$D'"}'
open localhost:3000/display/sharma</pre>
<h2 id="errors">Errors</h2>
<p>Every failure answers an RFC 9457 problem (<code>application/problem+json</code>):
<code>{ "type", "title", "status", "detail", "instance", "code", "details", "requestId" }</code>, where <code>type</code> links to the row below;
<code>details.field</code> names the field at fault.
Messages never contain patient data and no answer contains a stack trace.</p>
<table><tr><th>code</th><th>status</th><th>when</th></tr>${errorRows}</table>
${sections}
<h2 id="schemas">Schemas</h2>
${schemaSection}
</main></div></body></html>
`;
  return { html, csp: `default-src 'none'; style-src 'nonce-${nonce}'; img-src data:; base-uri 'none'; form-action 'none'` };
}
