/**
 * Server-Sent Events connections: headers, frames, back-pressure, heartbeats, and a registry
 * that limits how many are open and ends them all on shutdown.
 */
import type { Request, Response } from 'express';
import { HttpError } from './http-errors.js';

/** A slow reader whose unsent output grows past this is disconnected (it resumes with `Last-Event-ID`). */
const MAX_UNSENT_BYTES = 4 * 1024 * 1024;

/** One open event stream. */
export class SseConnection {
  readonly #res: Response;
  readonly #onClose = new Set<() => void>();
  #open = true;
  #backlogged = false;

  constructor(req: Request, res: Response, retryMs: number) {
    this.#res = res;
    req.socket.setTimeout(0);
    req.socket.setNoDelay(true);
    res.status(200);
    res.set({
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      'X-Accel-Buffering': 'no',
    });
    res.flushHeaders();
    res.write(`retry: ${retryMs}\n\n`);
    const closed = (): void => this.#closed();
    res.on('close', closed);
    res.on('error', closed);
  }

  /** Whether the stream is still open. */
  get open(): boolean {
    return this.#open;
  }

  /** Calls `listener` once when the stream closes, whichever side closes it. */
  onClose(listener: () => void): void {
    if (this.#open) this.#onClose.add(listener);
    else listener();
  }

  /**
   * Sends one event. Returns `false` when the reader is slow (the caller may wait for
   * {@link SseConnection.drained}); a reader that falls too far behind is disconnected.
   */
  send(id: number, event: string, data: string): boolean {
    return this.sendFrame(SseConnection.frame(id, event, data));
  }

  /** One event as written on the wire (`data` must be a single line, as JSON is). */
  static frame(id: number, event: string, data: string): string {
    return `id: ${id}\nevent: ${event}\ndata: ${data}\n\n`;
  }

  /** Sends an event made by {@link SseConnection.frame} (one frame written to many streams is built once). */
  sendFrame(frame: string): boolean {
    if (!this.#open) return false;
    const ok = this.#res.write(frame);
    if (!ok) this.#backlogged = true;
    if (this.#res.writableLength > MAX_UNSENT_BYTES) this.end();
    return ok;
  }

  /** Sends a comment line (heartbeats keep proxies from closing an idle stream). */
  comment(text: string): void {
    if (this.#open) this.#res.write(`: ${text}\n\n`);
  }

  /** Resolves at once unless a write was refused; then when the output drained or the stream closed. */
  drained(): Promise<void> {
    if (!this.#open || !this.#backlogged) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        this.#backlogged = false;
        this.#res.off('drain', done);
        resolve();
      };
      this.#res.once('drain', done);
      this.onClose(done);
    });
  }

  /** Ends the stream. */
  end(): void {
    if (!this.#open) return;
    this.#res.end();
    this.#closed();
  }

  #closed(): void {
    if (!this.#open) return;
    this.#open = false;
    for (const listener of this.#onClose) listener();
    this.#onClose.clear();
  }
}

/** Options of {@link SseRegistry}. */
export interface SseRegistryOptions {
  /** What the streams are, for the refusal at the limit (`'event streams'`). */
  readonly what: string;
  /** At most this many open streams; more are refused with 503. */
  readonly maxStreams: number;
  /** Milliseconds between heartbeat comments. */
  readonly heartbeatMs: number;
  /** Reconnection delay suggested to clients, in milliseconds. */
  readonly retryMs: number;
}

/** A pool of open streams of a server, with its own limit. */
export class SseRegistry {
  readonly #streams = new Set<SseConnection>();
  readonly #options: SseRegistryOptions;
  readonly #heartbeat: NodeJS.Timeout;
  #closed = false;

  constructor(options: SseRegistryOptions) {
    this.#options = options;
    this.#heartbeat = setInterval(() => {
      for (const stream of this.#streams) stream.comment('keep-alive');
    }, options.heartbeatMs);
    this.#heartbeat.unref();
  }

  /** Number of open streams. */
  get size(): number {
    return this.#streams.size;
  }

  /**
   * Opens a stream on `res`.
   * @throws HttpError `TOO_MANY_STREAMS` at the limit, `SHUTTING_DOWN` after {@link SseRegistry.close}
   */
  open(req: Request, res: Response): SseConnection {
    if (this.#closed) throw new HttpError('SHUTTING_DOWN', 'The server is shutting down');
    if (this.#streams.size >= this.#options.maxStreams) {
      throw new HttpError('TOO_MANY_STREAMS', `Too many open ${this.#options.what}; retry later`, { limit: this.#options.maxStreams }, { 'Retry-After': '5' });
    }
    const stream = new SseConnection(req, res, this.#options.retryMs);
    this.#streams.add(stream);
    stream.onClose(() => this.#streams.delete(stream));
    return stream;
  }

  /** Ends every stream and refuses new ones. */
  close(): void {
    this.#closed = true;
    clearInterval(this.#heartbeat);
    for (const stream of [...this.#streams]) stream.end();
  }
}
