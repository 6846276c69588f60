import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { Redis } from 'ioredis';
import { AmqpConnection } from '@koji-farm/messaging';
import { HubGateway } from '../hub/hub-gateway';
import { PollerService } from '../poller/poller-service';
import { PollerStatus } from '../poller/poller-status';

/**
 * `/healthz`: the poll cycle is running (a poller waiting out a hub outage is alive).
 * `/readyz`: broker and Redis connected and a hub session held, leader or hot standby.
 */
@Controller()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly poller: PollerService,
    private readonly status: PollerStatus,
    private readonly hub: HubGateway,
    private readonly amqp: AmqpConnection,
    private readonly redis: Redis,
  ) {}

  @Get('healthz')
  @HealthCheck()
  liveness() {
    return this.health.check([
      () => {
        const check = this.indicators.check('poller');
        const details = { role: this.status.role, lastLoopAt: this.status.lastLoopAt?.toISOString() ?? null };
        return this.poller.alive ? check.up(details) : check.down(details);
      },
    ]);
  }

  @Get('readyz')
  @HealthCheck()
  readiness() {
    return this.health.check([
      () => {
        const check = this.indicators.check('rabbitmq');
        return this.amqp.isOpen ? check.up() : check.down();
      },
      () => {
        const check = this.indicators.check('redis');
        return this.redis.status === 'ready' ? check.up() : check.down({ state: this.redis.status });
      },
      () => {
        const check = this.indicators.check('hub');
        const details = {
          leader: this.status.leader,
          connected: this.hub.connection.connected,
          lastOkAt: this.hub.connection.lastOkAt?.toISOString() ?? null,
          lastLoopError: this.status.lastLoopError,
        };
        return this.hub.loggedIn ? check.up(details) : check.down(details);
      },
    ]);
  }
}
