import type { Attributes } from '@opentelemetry/api';
import {
  AggregationTemporality,
  DataPointType,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
  type MetricData,
} from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';

/** One data point of a counter or a histogram, flattened. */
export interface Point {
  readonly metric: string;
  readonly unit: string;
  readonly attributes: Attributes;
  /** The sum of a counter, the count of a histogram. */
  readonly value: number;
  /** A histogram's sum (seconds), else `null`. */
  readonly sum: number | null;
}

/** An SDK tracer and meter provider recording into the SDK's in-memory exporters. */
export class Observed {
  readonly #spans = new InMemorySpanExporter();
  readonly #metrics = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  readonly #reader = new PeriodicExportingMetricReader({ exporter: this.#metrics, exportIntervalMillis: 3_600_000 });
  readonly tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(this.#spans)] });
  readonly meterProvider = new MeterProvider({ readers: [this.#reader] });

  /** The `telemetry` option of a scheduler recording here. */
  get telemetry(): { tracerProvider: BasicTracerProvider; meterProvider: MeterProvider } {
    return { tracerProvider: this.tracerProvider, meterProvider: this.meterProvider };
  }

  /** Every ended span, in the order ended. */
  spans(): ReadableSpan[] {
    return this.#spans.getFinishedSpans();
  }

  /** The spans named `opd.<method>`. */
  spansOf(method: string): ReadableSpan[] {
    return this.spans().filter((span) => span.name === `opd.${method}`);
  }

  /** Every data point recorded so far (cumulative). */
  async points(): Promise<Point[]> {
    this.#metrics.reset();
    await this.#reader.forceFlush();
    const metrics: MetricData[] = this.#metrics.getMetrics().flatMap((r) => r.scopeMetrics.flatMap((s) => s.metrics));
    return metrics.flatMap((metric) =>
      metric.dataPoints.map((point): Point => {
        const value = point.value as number | { count: number; sum?: number };
        const histogram = metric.dataPointType === DataPointType.HISTOGRAM;
        return {
          metric: metric.descriptor.name,
          unit: metric.descriptor.unit,
          attributes: point.attributes,
          value: histogram ? (value as { count: number }).count : (value as number),
          sum: histogram ? ((value as { sum?: number }).sum ?? 0) : null,
        };
      }),
    );
  }

  /** The value of one metric's data point with exactly these attributes (0 when none). */
  async value(metric: string, attributes: Attributes = {}): Promise<number> {
    const key = JSON.stringify(Object.entries(attributes).sort());
    const point = (await this.points()).find((p) => p.metric === metric && JSON.stringify(Object.entries(p.attributes).sort()) === key);
    return point?.value ?? 0;
  }

  async shutdown(): Promise<void> {
    await this.tracerProvider.shutdown();
    await this.meterProvider.shutdown();
  }
}
