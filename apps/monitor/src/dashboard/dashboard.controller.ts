import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Controller, Get, Param, Res } from '@nestjs/common';
import { type Response } from 'express';
import { Public } from '../api/auth/public.decorator';
import { NotFoundAssetError } from '../api/errors/not-found-asset.error';

const ASSETS: Record<string, string> = {
  'app.js': 'application/javascript; charset=utf-8',
  'views.js': 'application/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
  'index.html': 'text/html; charset=utf-8',
};

/**
 * Where the dashboard's files are: beside this file when running from source, or copied
 * next to the bundle by the build (nest-cli.json `assets`).
 */
export function dashboardDirectory(): string | undefined {
  const candidates = [join(__dirname, 'public'), join(__dirname, 'dashboard', 'public')];
  return candidates.find((dir) => existsSync(join(dir, 'index.html')));
}

/**
 * The HTML dashboard: a static page and a small script that reads the REST API and
 * is updated by push over the events WebSocket. The files hold no data, so they are
 * public; the data they fetch needs the token (the page asks for it).
 */
@Controller()
export class DashboardController {
  private readonly directory = dashboardDirectory();

  @Public()
  @Get()
  index(@Res() res: Response): void {
    this.send(res, 'index.html');
  }

  @Public()
  @Get('dashboard/:file')
  file(@Param('file') file: string, @Res() res: Response): void {
    this.send(res, file);
  }

  private send(res: Response, file: string): void {
    const type = ASSETS[file];
    if (!type || !this.directory)
      throw new NotFoundAssetError(file === 'index.html' ? '/' : `/dashboard/${file}`);
    res.type(type).set('Cache-Control', 'no-cache').sendFile(join(this.directory, file));
  }
}
