/**
 * `npm run serve`: the OPD engine behind an HTTP API with a live token display board.
 *
 * Environment: PORT (3000), HOST (127.0.0.1), OPD_API_KEYS, OPD_TIME_ZONE (UTC), OPD_PRESET
 * (standard), OPD_DATA_DIR or DATABASE_URL (+ OPD_DB_SCHEMA), OPD_LOG (json | off),
 * OPD_CORS_ORIGINS, OPD_RATE_LIMIT (120/1m), OPD_SWEEP_EVERY (1m), the allocation rules (OPD_QUOTA,
 * OPD_OFFERS, OPD_CALL_ORDER, OPD_NOTIFY, OPD_FOLLOW_UPS, OPD_SERVICE_POINTS, OPD_ROUTES, …); the same as flags (`--port`,
 * `--host`, …; see `--help`), which win. SIGTERM or SIGINT shut it down gracefully (the sweep,
 * then HTTP, then the scheduler, then the store); a second signal exits at once. `npm run serve`
 * runs this file in node itself (`node --import tsx`), so a signal to the npm process reaches it.
 */
import { isOpdError, OpdScheduler } from 'opd-scheduler';
import { logFault, startServer } from './app.js';
import { loadConfig, parseServerArgs, SERVER_HELP, schedulerOptionsOf, StartupError } from './config.js';
import { ANONYMOUS_ACTOR } from './auth.js';
import { jsonLogger, silentLogger } from './log.js';
import { describeRateLimit } from './rate-limit.js';
import { openStorage, QUERY_TIMEOUT_MS } from './storage.js';

/** How long requests in progress may take to finish once a shutdown starts. */
const SHUTDOWN_GRACE_MS = 10_000;
/** Longest a shutdown may take: the requests' grace, then the store's bound on an answer, and 5 s to close. */
const SHUTDOWN_DEADLINE_MS = SHUTDOWN_GRACE_MS + QUERY_TIMEOUT_MS + 5_000;

async function main(): Promise<void> {
  const args = parseServerArgs(process.argv.slice(2));
  if (args.help) {
    process.stdout.write(`${SERVER_HELP}\n`);
    return;
  }
  const config = loadConfig({ ...process.env, ...args.env });
  const logger = config.log ? jsonLogger() : silentLogger;
  const store = await openStorage(config.storage);
  const scheduler = new OpdScheduler({ ...schedulerOptionsOf(config), storage: store.storage });
  scheduler.on('error', (error) => logFault(logger, 'event listener failed', error));
  let server;
  try {
    server = await startServer({
      scheduler,
      apiKeys: config.apiKeys,
      rateLimit: config.rateLimit,
      sweepEveryMs: config.sweepEveryMs,
      purge: config.retentionDays !== undefined,
      storage: store.kind,
      logger,
      port: config.port,
      host: config.host,
      corsOrigins: config.corsOrigins,
      rooms: config.rooms,
      boardLanguage: config.boardLanguage,
      servicePoints: config.servicePoints,
    });
  } catch (error) {
    await scheduler.close();
    await store.close();
    throw error;
  }
  logger.info('listening', {
    url: server.url,
    storage: store.kind,
    preset: config.preset,
    quota: config.quota === undefined ? 'none' : JSON.stringify(config.quota),
    bookingWindows: config.bookingWindows === undefined ? 'none' : JSON.stringify(config.bookingWindows),
    duplicates: config.duplicates === undefined ? 'doctor-day' : JSON.stringify(config.duplicates),
    offers: config.offers === undefined ? 'none' : JSON.stringify(config.offers),
    callOrder: config.callOrder === undefined ? 'queue order' : JSON.stringify(config.callOrder),
    notify: config.notify === undefined ? 'none' : JSON.stringify(config.notify),
    followUps: config.followUps === undefined ? 'none' : JSON.stringify(config.followUps),
    servicePoints: config.servicePoints === undefined ? 'none' : config.servicePoints.map((p) => p.id).join(','),
    routes: config.routes === undefined ? 'none' : Object.keys(config.routes).join(','),
    timeZone: scheduler.timeZone,
    authRequired: config.apiKeys.length > 0,
    // The names of the keys (the actors of their calls), never the keys.
    actors: config.apiKeys.length > 0 ? config.apiKeys.map((k) => (k.narrow === true ? `${k.actor} (narrow)` : k.actor)).join(',') : ANONYMOUS_ACTOR,
    rateLimit: config.rateLimit === undefined ? 'off' : describeRateLimit(config.rateLimit),
    sweepEvery: config.sweepEveryMs === undefined ? 'off' : `${config.sweepEveryMs / 1000}s`,
    cors: config.corsOrigins === undefined ? 'off' : config.corsOrigins === '*' ? '*' : config.corsOrigins.join(','),
    docs: `${server.url}/docs`,
  });
  if (config.apiKeys.length === 0) {
    logger.info(
      'development mode: no OPD_API_KEYS, so the server listens on loopback only, every call is made by `anonymous` and no answer contains patient data',
      {
        actor: ANONYMOUS_ACTOR,
      },
    );
  }

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) {
      logger.error('second signal, exiting now', { signal });
      logger.flush?.();
      process.exit(1);
    }
    stopping = true;
    logger.info('shutting down', { signal });
    // A store that never answers must not keep the process up: past the requests' grace and the
    // store's own bound on an answer (the pool's `query_timeout`), it exits all the same.
    const deadline = setTimeout(() => {
      logger.error('shutdown did not finish in time, exiting', { signal });
      logger.flush?.();
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS);
    deadline.unref();
    void (async () => {
      try {
        await server.shutdown(SHUTDOWN_GRACE_MS);
        await scheduler.close();
        await store.close();
        logger.info('stopped', { signal });
        logger.flush?.();
        process.exitCode = 0;
      } catch (error) {
        logFault(logger, 'shutdown failed', error);
        logger.flush?.();
        process.exitCode = 1;
      }
    })();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((error: unknown) => {
  const inUse = error instanceof Error && 'code' in error && error.code === 'EADDRINUSE';
  const known = error instanceof StartupError || isOpdError(error) || inUse;
  const message = inUse ? 'The port is already in use (set PORT)' : known ? (error as Error).message : 'Unexpected failure at startup';
  process.stderr.write(`opd-scheduler server: ${message}\n`);
  if (!known && error instanceof Error) process.stderr.write(`${error.stack ?? ''}\n`);
  process.exit(1);
});
