import { Controller, Get, Res } from '@nestjs/common';
import { type Response } from 'express';
import { MonitorMetrics } from './monitor-metrics';

/** Prometheus exposition; needs the API token like the REST API when one is configured. */
@Controller()
export class MetricsController {
  constructor(private readonly metrics: MonitorMetrics) {}

  @Get('metrics')
  async get(@Res() res: Response): Promise<void> {
    const body = await this.metrics.exposition();
    res.status(200).type(this.metrics.contentType).send(body);
  }
}
