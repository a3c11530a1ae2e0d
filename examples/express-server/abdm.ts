/**
 * India's national rails (`opd-scheduler/abdm`), behind the server's keys: the ABDM Scan & Share
 * bridge (`POST /abdm/api/v3/hip/patient/share`, answered by the body of the `on-share` call) and
 * the UHI provider's calls (`POST /uhi/search`, `select`, `init`, `confirm`, `status`, `cancel`,
 * and the patient app's `on_update`), each answered by its `on_*` message in NHA's v2.0 dialect. Mounted only when the server is given `abdm` options.
 * The gateway session and the signatures of UHI messages stay the deployment's (a gateway in front
 * of the server, using `verifyBecknRequest`): the server's `Authorization` header carries its key.
 */
import { onProfileShare, type ShareCounter, UhiProvider, type UhiProviderOptions } from 'opd-scheduler/abdm';
import { z } from 'zod';
import { jsonRoute, type ResponseDoc, type Route } from './route.js';
import type { ApiContext } from './routes.js';
import { ProblemOut } from './schemas.js';

/** The server's `abdm` options: the Scan & Share counters, and the UHI provider's options. */
export interface AbdmServerOptions {
  /** The counters of the facility's QR codes, by code. */
  readonly counters: Readonly<Record<string, ShareCounter>>;
  /** The facility's HIP id: a share for another is refused. */
  readonly hipId?: string | undefined;
  /** Minutes a Scan & Share token is valid unless the patient checks in. @defaultValue 30 */
  readonly validityMinutes?: number | undefined;
  /** The UHI provider: its ids, channel, PIN secret and fees. Without it, no UHI route is mounted. */
  readonly uhi?: UhiProviderOptions | undefined;
}

const err = (description: string): ResponseDoc => ({ description, schema: ProblemOut });
const Json = z.record(z.string(), z.unknown());
const UHI_ACTIONS = ['search', 'select', 'init', 'confirm', 'status', 'cancel', 'onUpdate'] as const;

/** The routes of the bridge and the UHI provider, or none without options. */
export function abdmRoutes(ctx: ApiContext, options: AbdmServerOptions | undefined): Route[] {
  if (options === undefined) return [];
  const { scheduler } = ctx;
  const routes: Route[] = [
    jsonRoute({
      method: 'post',
      path: '/abdm/api/v3/hip/patient/share',
      auth: 'key',
      operationId: 'abdmProfileShare',
      tag: 'ABDM',
      summary: 'Scan & Share: a token for a shared profile',
      description:
        'The profile an ABHA app shares when a patient scans a counter’s QR: a token for the counter’s department or doctor, held until the patient ' +
        'checks in (it ends by itself after the validity). A re-scan the same day answers the same token. The answer is the body of the `on-share` call.',
      body: Json,
      responses: {
        200: {
          description:
            'The `on-share` acknowledgement: `{ acknowledgement: { status, abhaAddress, profile: { context, tokenNumber, expiry } }, response: { requestId } }`',
        },
        400: err('A field of the share is invalid (`VALIDATION_FAILED`, naming it)'),
        401: err('Missing or wrong API key (`UNAUTHORIZED`), when the server has one'),
        404: err('The counter’s doctor or department is unknown'),
        422: err('No place for the counter’s channel (`SLOT_FULL`)'),
        503: err('The store failed or the server is shutting down'),
      },
      headers: [{ name: 'REQUEST-ID', description: 'The gateway’s request id, answered in `response.requestId` when the body has no `requestId`' }],
      handle: async ({ body, req }) => {
        const { acknowledgement, response } = await onProfileShare(scheduler, body, {
          counters: options.counters,
          hipId: options.hipId,
          validityMinutes: options.validityMinutes,
          requestId: req.header('REQUEST-ID'),
        });
        return { status: 200, body: { acknowledgement, response } };
      },
    }),
  ];
  if (options.uhi === undefined) return routes;
  const uhi = new UhiProvider(scheduler, options.uhi);
  for (const action of UHI_ACTIONS)
    routes.push(
      jsonRoute({
        method: 'post',
        path: `/uhi/${action === 'onUpdate' ? 'on_update' : action}`,
        auth: 'key',
        operationId: `uhi${action[0]!.toUpperCase()}${action.slice(1)}`,
        tag: 'UHI',
        summary: action === 'onUpdate' ? 'UHI `on_update` from the patient’s app (`DOCTOR_NO_SHOW`)' : `UHI \`${action}\`, answered by \`on_${action}\``,
        description: `The UHI provider’s \`${action}\` in NHA’s v2.0 dialect, on the scheduler’s rules for the UHI channel (\`${uhi.category}\`). An order answers only its own transaction.`,
        body: Json,
        responses: {
          200: { description: action === 'onUpdate' ? 'The order as it stands: `{ order }`' : `The \`on_${action}\` message: \`{ context, message }\`` },
          400: err('A field of the call is invalid (`VALIDATION_FAILED`, naming it)'),
          401: err('Missing or wrong API key (`UNAUTHORIZED`), when the server has one'),
          404: err('Unknown slot, or no order of this transaction'),
          409: err('No place left for the UHI channel (`SLOT_FULL`)'),
          422: err('The order’s state refuses it'),
          503: err('The store failed or the server is shutting down'),
        },
        handle: async ({ body }) => ({ status: 200, body: await uhi[action](body) }),
      }),
    );
  return routes;
}
