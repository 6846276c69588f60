import { Controller, Get, Header } from '@nestjs/common';
import { PollerMetrics } from './poller-metrics';

/** Prometheus text exposition of the poller's own registry. */
@Controller()
export class MetricsController {
  constructor(private readonly metrics: PollerMetrics) {}

  @Get('metrics')
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  scrape(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
