/** The part of autocannon 8's API that `bench/http.bench.ts` uses (the package ships no types). */
declare module 'autocannon' {
  /** Percentiles of one statistic. */
  export interface Histogram {
    readonly average: number;
    readonly mean: number;
    readonly stddev: number;
    readonly min: number;
    readonly max: number;
    readonly p50: number;
    readonly p90: number;
    readonly p99: number;
    readonly p99_9: number;
  }

  /** One request template. */
  export interface RequestSpec {
    method?: string;
    path?: string;
    headers?: Record<string, string>;
    body?: string;
    /** Returns the request to send, built from the template. */
    setupRequest?: (request: RequestSpec, context: Record<string, unknown>) => RequestSpec;
  }

  /** Options of a run. */
  export interface Options {
    url: string;
    connections?: number;
    pipelining?: number;
    /** Seconds. */
    duration?: number;
    headers?: Record<string, string>;
    requests?: RequestSpec[];
  }

  /** What a run measured. */
  export interface Result {
    /** Requests per second, sampled every second. */
    readonly requests: Histogram & { readonly total: number };
    /** Milliseconds. */
    readonly latency: Histogram;
    readonly errors: number;
    readonly timeouts: number;
    readonly non2xx: number;
    readonly '2xx': number;
    readonly duration: number;
  }

  function autocannon(options: Options): Promise<Result>;
  export default autocannon;
}
