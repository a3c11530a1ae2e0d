/**
 * A TCP proxy between a pool and the PostgreSQL server that can lose a connection at an exact
 * moment of the wire protocol, once, when armed — by default in the round trip that binds `COMMIT`;
 * armed `at` a statement, in the round trip that binds the (`skip` + 1)-th statement whose text
 * matches (such as the adapter's write function, which a unit of one statement commits without a
 * `COMMIT`):
 *
 * - `'before-request'`: the round trip is not forwarded and both sides are closed: nothing of it
 *   ran, and the caller only saw the connection go.
 * - `'before-answer'`: the client's round trip that binds `COMMIT` is forwarded whole (up to its
 *   Sync), then the client's side is closed before any answer is relayed. The server still runs
 *   the round trip, commits, and the proxy closes the server's side once it is ready again: the
 *   unit committed, and the caller only saw the connection go.
 * - `'after-commit'`: the server's answers are relayed up to and including `COMMIT`'s
 *   CommandComplete, then the client's side is closed: the caller knows the unit committed and
 *   loses the answers of whatever followed in the same round trip.
 *
 * It parses just enough of the protocol (frontend Parse, Bind and Sync; backend CommandComplete
 * and ReadyForQuery) to find those moments. No TLS.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';

export type CutMode = 'before-request' | 'before-answer' | 'after-commit';

/** Where an armed cut happens: the round trip binding the (`skip` + 1)-th statement matching `statement` (upper-cased text). */
export interface CutPoint {
  readonly statement: RegExp;
  readonly skip?: number | undefined;
}

/** Splits a byte stream into protocol messages (type byte and length; the first one untyped). */
class Framer {
  #buffer = Buffer.alloc(0);
  #started: boolean;
  constructor(typedFromStart: boolean) {
    this.#started = typedFromStart;
  }
  /** Appends bytes; returns the complete messages now available, with their raw bytes. */
  push(chunk: Buffer): { type: string; body: Buffer; raw: Buffer }[] {
    this.#buffer = Buffer.concat([this.#buffer, chunk]);
    const out: { type: string; body: Buffer; raw: Buffer }[] = [];
    for (;;) {
      if (!this.#started) {
        if (this.#buffer.length < 4) break;
        const length = this.#buffer.readInt32BE(0);
        if (this.#buffer.length < length) break;
        out.push({ type: '', body: this.#buffer.subarray(4, length), raw: this.#buffer.subarray(0, length) });
        this.#buffer = this.#buffer.subarray(length);
        this.#started = true;
        continue;
      }
      if (this.#buffer.length < 5) break;
      const length = this.#buffer.readInt32BE(1);
      if (this.#buffer.length < 1 + length) break;
      out.push({ type: String.fromCharCode(this.#buffer[0]!), body: this.#buffer.subarray(5, 1 + length), raw: this.#buffer.subarray(0, 1 + length) });
      this.#buffer = this.#buffer.subarray(1 + length);
    }
    return out;
  }
}

/** The NUL-terminated strings at the start of a message body. */
function cstrings(body: Buffer, count: number): string[] {
  const out: string[] = [];
  let at = 0;
  for (let i = 0; i < count; i++) {
    const end = body.indexOf(0, at);
    out.push(body.toString('utf8', at, end));
    at = end + 1;
  }
  return out;
}

export class CutProxy {
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  /** The server's sides of cut connections, until the server has finished the round trip and they close. */
  readonly #finishing = new Set<Promise<void>>();
  #armed: CutMode | undefined;
  #at: { statement: RegExp; skip: number } | undefined;
  /** How many connections were cut. */
  cuts = 0;
  /** Statements counted by {@link CutProxy.count}: every Bind of a statement whose text matches `watch` adds one to `watched`. */
  watch: RegExp | undefined;
  watched = 0;

  private constructor(server: Server) {
    this.#server = server;
  }

  /** Starts a proxy on a free port of 127.0.0.1 in front of `target`. */
  static async start(target: { host: string; port: number }): Promise<{ proxy: CutProxy; port: number }> {
    const server = createServer();
    const proxy = new CutProxy(server);
    server.on('connection', (client) => proxy.#pipe(client, target));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { proxy, port: (server.address() as { port: number }).port };
  }

  /** Cuts the next connection that sends `COMMIT`, or, with `at`, that binds the statement `at` names, as `mode` says. */
  arm(mode: CutMode, at?: CutPoint): void {
    this.#armed = mode;
    this.#at = at === undefined ? undefined : { statement: at.statement, skip: at.skip ?? 0 };
  }

  /** Whether an armed cut has not happened yet. */
  get armed(): boolean {
    return this.#armed !== undefined;
  }

  /** Resolves once the server has finished every round trip whose connection was cut (a `'before-answer'` COMMIT has then committed). */
  async settled(): Promise<void> {
    while (this.#finishing.size > 0) await Promise.all([...this.#finishing]);
  }

  /** Disarms a cut that has not happened. */
  disarm(): void {
    this.#armed = undefined;
    this.#at = undefined;
  }

  /** Whether a Bind of `text` is where the armed cut happens (counting down `skip`). */
  #hits(text: string | undefined): boolean {
    if (text !== undefined && this.watch?.test(text) === true) this.watched++;
    if (this.#armed === undefined) return false;
    if (this.#at === undefined) return text === 'COMMIT';
    if (text === undefined || !this.#at.statement.test(text)) return false;
    if (this.#at.skip > 0) {
      this.#at.skip--;
      return false;
    }
    return true;
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #pipe(client: Socket, target: { host: string; port: number }): void {
    const server = connect(target.port, target.host);
    this.#sockets.add(client).add(server);
    const statements = new Map<string, string>();
    const fromClient = new Framer(false);
    const fromServer = new Framer(true);
    /** Set when this connection's COMMIT round trip is being cut. */
    let cutting: CutMode | undefined;
    let commitBound = false;
    let clientClosed = false;
    /** Set once a round trip was dropped before reaching the server: nothing more is forwarded. */
    let dropped = false;
    const closeClient = (): void => {
      clientClosed = true;
      this.cuts++;
      client.destroy();
      const finished: Promise<void> = new Promise<void>((resolve) => (server.destroyed ? resolve() : server.once('close', () => resolve()))).then(() => {
        this.#finishing.delete(finished);
      });
      this.#finishing.add(finished);
    };

    client.on('data', (chunk: Buffer) => {
      for (const message of fromClient.push(chunk)) {
        if (dropped) return;
        if (message.type === 'P') {
          const [name, text] = cstrings(message.body, 2);
          statements.set(name!, text!.trim().toUpperCase());
        } else if (message.type === 'B' && cutting === undefined) {
          const [, statement] = cstrings(message.body, 2);
          if (this.#hits(statements.get(statement!))) {
            cutting = this.#armed;
            this.#armed = undefined;
            this.#at = undefined;
            commitBound = true;
            if (cutting === 'before-request') {
              // Nothing of this round trip reaches the server: its Sync never comes, so the
              // server's side closing rolls back whatever the transaction had begun.
              dropped = true;
              closeClient();
              server.destroy();
              return;
            }
          }
        }
        server.write(message.raw);
        if (message.type === 'S' && commitBound && cutting === 'before-answer') {
          commitBound = false;
          closeClient();
        }
      }
    });
    server.on('data', (chunk: Buffer) => {
      for (const message of fromServer.push(chunk)) {
        if (clientClosed) {
          // The round trip ran to its end on the server: now let the server's side go too.
          if (message.type === 'Z') server.destroy();
          continue;
        }
        client.write(message.raw);
        if (cutting === 'after-commit' && message.type === 'C' && cstrings(message.body, 1)[0] === 'COMMIT') closeClient();
      }
    });
    const end = (): void => {
      if (!clientClosed) client.destroy();
      server.destroy();
    };
    client.on('close', () => {
      this.#sockets.delete(client);
      if (!clientClosed) server.destroy();
    });
    server.on('close', () => {
      this.#sockets.delete(server);
      if (!clientClosed) end();
    });
    client.on('error', () => undefined);
    server.on('error', () => undefined);
  }
}
