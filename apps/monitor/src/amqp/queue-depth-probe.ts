import { Injectable } from '@nestjs/common';
import { AmqpConnection } from '@koji-farm/messaging';

const CACHE_MS = 2000;

/** Reads how many messages wait in RabbitMQ queues (passive declare), cached briefly. */
@Injectable()
export class QueueDepthProbe {
  private readonly cache = new Map<string, { at: number; depth: number | null }>();

  constructor(private readonly amqp: AmqpConnection) {}

  /** Depth of each queue; null for a queue that does not exist or cannot be read. */
  async depths(queues: readonly string[], now = Date.now()): Promise<Map<string, number | null>> {
    const result = new Map<string, number | null>();
    await Promise.all(
      queues.map(async (queue) => {
        const cached = this.cache.get(queue);
        if (cached && now - cached.at < CACHE_MS) return result.set(queue, cached.depth);
        const depth = await this.amqp
          .withChannel((channel) => channel.checkQueue(queue))
          .then((reply) => reply.messageCount)
          .catch(() => null);
        this.cache.set(queue, { at: now, depth });
        result.set(queue, depth);
      }),
    );
    return result;
  }
}
