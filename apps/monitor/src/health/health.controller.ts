import { Controller, Get, HttpCode, HttpStatus, Inject, Res } from '@nestjs/common';
import { type Response } from 'express';
import { Redis } from 'ioredis';
import { AmqpConnection } from '@koji-farm/messaging';
import { Public } from '../api/auth/public.decorator';

const PING_TIMEOUT_MS = 1000;

/** Liveness and readiness probes; public, and they reveal nothing but up or down. */
@Controller()
export class HealthController {
  constructor(
    @Inject(Redis) private readonly redis: Redis,
    private readonly amqp: AmqpConnection,
  ) {}

  @Public()
  @Get('healthz')
  @HttpCode(HttpStatus.OK)
  health(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** 200 when Redis answers a PING and the RabbitMQ connection is open, 503 otherwise. */
  @Public()
  @Get('readyz')
  async ready(@Res() res: Response): Promise<void> {
    const redis = await this.pingRedis();
    const rabbitmq = this.amqp.isOpen;
    const ready = redis && rabbitmq;
    res.status(ready ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE).json({
      status: ready ? 'ok' : 'unavailable',
      checks: { redis: redis ? 'up' : 'down', rabbitmq: rabbitmq ? 'up' : 'down' },
    });
  }

  private async pingRedis(): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>(
      (resolve) => (timer = setTimeout(() => resolve(false), PING_TIMEOUT_MS)),
    );
    try {
      return await Promise.race([this.redis.ping().then((r) => r === 'PONG'), timeout]);
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
  }
}
