import { Controller, Get, Param, Query, Req, Res } from '@nestjs/common';
import { type Request, type Response } from 'express';
import { LogFollower } from '../live/log-follower';
import { LogReader } from '../registry/readers/log-reader';
import { type FollowQuery, followQuery, logParams, type LogQuery, logQuery } from './request-schemas';
import { ZodValidationPipe } from './zod-validation.pipe';

type LogParams = { id: number; name: string };

/**
 * A task's log as text (`X-Log-*` headers say where it stands), and the same log
 * followed live as Server-Sent Events.
 */
@Controller('api/v1/tasks/:id/logs/:name')
export class LogsController {
  constructor(
    private readonly logs: LogReader,
    private readonly follower: LogFollower,
  ) {}

  @Get()
  async read(
    @Param(new ZodValidationPipe(logParams)) params: LogParams,
    @Query(new ZodValidationPipe(logQuery)) query: LogQuery,
    @Res() res: Response,
  ): Promise<void> {
    const slice = await this.logs.read(params.id, params.name, query);
    res
      .status(200)
      .set({
        'Content-Type': 'text/plain; charset=utf-8',
        'X-Log-Attempt': String(slice.info.attempt),
        'X-Log-Offset': String(slice.offset),
        'X-Log-Next-Offset': String(slice.nextOffset),
        'X-Log-Size': String(slice.info.size),
        'X-Log-Complete': String(slice.info.complete),
        'X-Log-Truncated': String(slice.info.truncated),
      })
      .send(slice.data);
  }

  @Get('follow')
  async follow(
    @Param(new ZodValidationPipe(logParams)) params: LogParams,
    @Query(new ZodValidationPipe(followQuery)) query: FollowQuery,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    await this.follower.follow(params.id, params.name, query, req, res);
  }
}
