import { Body, Controller, Delete, HttpCode, Post, Req, Res } from '@nestjs/common';
import { type Request, type Response } from 'express';
import { ApiTokenVerifier, SESSION_COOKIE, SESSION_TTL_SECONDS } from './auth/api-token-verifier';
import { Public } from './auth/public.decorator';
import { UnauthorizedError } from './errors/unauthorized.error';
import { sessionBody } from './request-schemas';
import { ZodValidationPipe } from './zod-validation.pipe';

/**
 * The dashboard's login: the token typed into its prompt is exchanged for an HttpOnly,
 * SameSite=Strict cookie, which browsers also send with the WebSocket upgrade.
 */
@Controller('api/v1/session')
export class SessionController {
  constructor(private readonly verifier: ApiTokenVerifier) {}

  @Public()
  @Post()
  @HttpCode(204)
  create(
    @Body(new ZodValidationPipe(sessionBody)) body: { token: string },
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): void {
    if (!this.verifier.enabled) return;
    if (!this.verifier.isToken(body.token)) throw new UnauthorizedError('wrong API token');
    res.cookie(SESSION_COOKIE, this.verifier.issueSession(), {
      httpOnly: true,
      sameSite: 'strict',
      secure: req.secure,
      path: '/',
      maxAge: SESSION_TTL_SECONDS * 1000,
    });
  }

  @Public()
  @Delete()
  @HttpCode(204)
  remove(@Res({ passthrough: true }) res: Response): void {
    res.clearCookie(SESSION_COOKIE, { path: '/' });
  }
}
