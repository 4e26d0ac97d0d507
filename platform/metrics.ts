// Prometheus metrics in the text exposition format. Hand-rolled and allocation-light because
// the request histogram sits on the authentication hot path.

type Labels = Record<string, string>;

function labelText(labels: Labels): string {
  const parts = Object.entries(labels).map(
    ([name, value]) => `${name}="${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`,
  );
  return parts.length > 0 ? `{${parts.join(',')}}` : '';
}

interface Metric {
  render(): string;
}

export class Counter implements Metric {
  private readonly values = new Map<string, { labels: Labels; value: number }>();

  constructor(
    readonly name: string,
    readonly help: string,
  ) {}

  inc(labels: Labels = {}, by = 1): void {
    const id = labelText(labels);
    const entry = this.values.get(id);
    if (entry) entry.value += by;
    else this.values.set(id, { labels, value: by });
  }

  get(labels: Labels = {}): number {
    return this.values.get(labelText(labels))?.value ?? 0;
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    for (const { labels, value } of this.values.values()) lines.push(`${this.name}${labelText(labels)} ${value}`);
    return lines.join('\n');
  }
}

/** A value read when scraped: a gauge (cache size, inbox depth) or a counter kept elsewhere. */
export class Gauge implements Metric {
  constructor(
    readonly name: string,
    readonly help: string,
    private readonly read: () => number | Promise<number>,
    private readonly type: 'gauge' | 'counter' = 'gauge',
  ) {}

  private last = 0;

  async refresh(): Promise<void> {
    this.last = await this.read();
  }

  render(): string {
    return [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} ${this.type}`, `${this.name} ${this.last}`].join(
      '\n',
    );
  }
}

/** Values by label read when scraped (`lfk_backfill_repositories{state="pending"}`…). */
export class LabelledGauge implements Metric {
  constructor(
    readonly name: string,
    readonly help: string,
    private readonly read: () => Promise<Array<{ labels: Labels; value: number }>>,
  ) {}

  private last: Array<{ labels: Labels; value: number }> = [];

  async refresh(): Promise<void> {
    this.last = await this.read();
  }

  render(): string {
    return [
      `# HELP ${this.name} ${this.help}`,
      `# TYPE ${this.name} gauge`,
      ...this.last.map(({ labels, value }) => `${this.name}${labelText(labels)} ${value}`),
    ].join('\n');
  }
}

const DEFAULT_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

export class Histogram implements Metric {
  private readonly series = new Map<string, { labels: Labels; counts: number[]; sum: number; count: number }>();

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly buckets: number[] = DEFAULT_BUCKETS,
  ) {}

  /** Records one observation; `id` is a precomputed label key for the hot path. */
  observe(labels: Labels, seconds: number, id = labelText(labels)): void {
    let entry = this.series.get(id);
    if (!entry) {
      entry = { labels, counts: this.buckets.map(() => 0), sum: 0, count: 0 };
      this.series.set(id, entry);
    }
    for (let index = 0; index < this.buckets.length; index++)
      if (seconds <= this.buckets[index]!) entry.counts[index]!++;
    entry.sum += seconds;
    entry.count++;
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const { labels, counts, sum, count } of this.series.values()) {
      this.buckets.forEach((bound, index) => {
        lines.push(`${this.name}_bucket${labelText({ ...labels, le: String(bound) })} ${counts[index]}`);
      });
      lines.push(`${this.name}_bucket${labelText({ ...labels, le: '+Inf' })} ${count}`);
      lines.push(`${this.name}_sum${labelText(labels)} ${sum}`);
      lines.push(`${this.name}_count${labelText(labels)} ${count}`);
    }
    return lines.join('\n');
  }
}

export class MetricsRegistry {
  private readonly metrics: Metric[] = [];

  counter(name: string, help: string): Counter {
    return this.add(new Counter(name, help));
  }

  histogram(name: string, help: string, buckets?: number[]): Histogram {
    return this.add(new Histogram(name, help, buckets));
  }

  gauge(name: string, help: string, read: () => number | Promise<number>, type: 'gauge' | 'counter' = 'gauge'): Gauge {
    return this.add(new Gauge(name, help, read, type));
  }

  /** Adds a metric made elsewhere (the key service keeps its own revocation counter). */
  add<T extends Metric>(metric: T): T {
    this.metrics.push(metric);
    return metric;
  }

  async render(): Promise<string> {
    await Promise.all(
      this.metrics.map((metric) =>
        metric instanceof Gauge || metric instanceof LabelledGauge
          ? metric.refresh().catch(() => undefined)
          : undefined,
      ),
    );
    return `${this.metrics.map((metric) => metric.render()).join('\n')}\n`;
  }
}
