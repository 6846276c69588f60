export interface SseEvent {
  event: string;
  id?: string;
  data: string;
}

/** Reads a Server-Sent Events response and lets a test await the events it wants. */
export class SseClient {
  readonly events: SseEvent[] = [];
  ended = false;
  private buffer = '';
  private waiters: Array<() => void> = [];
  private readonly abort = new AbortController();

  private constructor(readonly status: number) {}

  static async open(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
    const abort = new AbortController();
    const response = await fetch(url, {
      headers: { Accept: 'text/event-stream', ...headers },
      signal: abort.signal,
    });
    const client = new SseClient(response.status);
    client.abort.signal.addEventListener('abort', () => abort.abort());
    if (response.ok && response.body) void client.read(response.body);
    return client;
  }

  /** The concatenated `data` of the `log` events. */
  get text(): string {
    return this.events
      .filter((e) => e.event === 'log')
      .map((e) => (JSON.parse(e.data) as { data: string }).data)
      .join('');
  }

  async until(predicate: () => boolean, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (this.ended) throw new Error(`stream ended after ${this.events.length} events`);
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(`timed out with ${this.events.length} events`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remaining);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  close(): void {
    this.abort.abort();
  }

  private async read(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    try {
      for await (const chunk of body) {
        this.buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = this.buffer.indexOf('\n\n')) >= 0) {
          this.parse(this.buffer.slice(0, end));
          this.buffer = this.buffer.slice(end + 2);
        }
        this.notify();
      }
    } catch {
      // aborted
    }
    this.ended = true;
    this.notify();
  }

  private parse(block: string): void {
    const event: SseEvent = { event: 'message', data: '' };
    let hasData = false;
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'event') event.event = value;
      else if (field === 'id') event.id = value;
      else if (field === 'data') {
        event.data += (hasData ? '\n' : '') + value;
        hasData = true;
      }
    }
    if (hasData) this.events.push(event);
  }

  private notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}
