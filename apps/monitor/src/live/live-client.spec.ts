import { EventEmitter } from 'node:events';
import { WebSocket } from 'ws';
import { EventFilter } from './event-filter';
import { type FeedEntry } from './feed-entry';
import { CLOSE_SLOW_CONSUMER, LiveClient } from './live-client';
import { BatchMessages } from './live-messages';

/** Stands in for a ws WebSocket: records what is sent and how it was closed. */
class FakeSocket extends EventEmitter {
  readyState: number = WebSocket.OPEN;
  bufferedAmount = 0;
  sent: string[] = [];
  closedWith?: [number, string];

  send(data: string | Buffer, options: { binary: boolean }): void {
    expect(options.binary).toBe(false);
    this.sent.push(data.toString());
  }

  close(code: number, reason: string): void {
    this.closedWith = [code, reason];
    this.readyState = WebSocket.CLOSING;
  }
}

const entry = (id: string, type = 'task.started'): FeedEntry => ({
  id,
  type,
  taskId: '1',
  executorId: 'e',
  json: `{"n":"${id}"}`,
});
/** What a client received, as [kind, cursors...] per message. */
const received = (socket: FakeSocket) =>
  socket.sent.map((m) => {
    const frame = JSON.parse(m);
    return frame.kind === 'events'
      ? frame.items.map((i: { cursor: string }) => i.cursor)
      : [frame.kind, frame.cursor];
  });

describe(LiveClient.name, () => {
  let socket: FakeSocket;
  const drops: string[] = [];

  function client(catchingUp: boolean, max = 1000) {
    socket = new FakeSocket();
    const filter = new EventFilter({ type: ['task.*'] });
    return new LiveClient(socket as unknown as WebSocket, filter, max, catchingUp, (_code, reason) =>
      drops.push(reason),
    );
  }

  const offer = (sut: LiveClient, entries: FeedEntry[]) => sut.offer(entries, new BatchMessages(entries));

  it('sends the entries of a batch that match its filter as one message', () => {
    const sut = client(false);
    offer(sut, [entry('1-0'), entry('2-0', 'step.started'), entry('3-0')]);
    offer(sut, [entry('4-0', 'step.finished')]);
    expect(socket.sent.map((m) => JSON.parse(m))).toEqual([
      {
        kind: 'events',
        items: [
          { cursor: '1-0', event: { n: '1-0' } },
          { cursor: '3-0', event: { n: '3-0' } },
        ],
      },
    ]);
  });

  it('holds live entries while catching up and sends them after the backlog', () => {
    const sut = client(true);
    offer(sut, [entry('3-0')]);
    sut.replay([entry('1-0'), entry('2-0')]);
    sut.goLive('2-0');
    offer(sut, [entry('4-0')]);
    expect(received(socket)).toEqual([['1-0', '2-0'], ['ready', '2-0'], ['3-0'], ['4-0']]);
  });

  it('is dropped with a close reason when too much waits to be sent, and sends nothing more', () => {
    const sut = client(false, 100);
    socket.bufferedAmount = 101;
    offer(sut, [entry('1-0')]);
    offer(sut, [entry('2-0')]);
    expect(socket.sent).toEqual([]);
    expect(socket.closedWith?.[0]).toBe(CLOSE_SLOW_CONSUMER);
    expect(socket.closedWith?.[1]).toMatch(/slow consumer: 101 bytes/);
    expect(drops).toHaveLength(1);
  });
});
