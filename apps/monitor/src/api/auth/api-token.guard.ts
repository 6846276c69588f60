import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { type Request } from 'express';
import { UnauthorizedError } from '../errors/unauthorized.error';
import { ApiTokenVerifier } from './api-token-verifier';
import { PUBLIC_ROUTE } from './public.decorator';

/** Every HTTP route needs the API token (when one is configured) unless it is marked @Public(). */
@Injectable()
export class ApiTokenGuard implements CanActivate {
  constructor(
    private readonly verifier: ApiTokenVerifier,
    private readonly reflector: Reflector,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    // Messages of the AMQP transport are no API requests: the broker authenticated them.
    if (context.getType() === 'rpc') return true;
    const isPublic = this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (isPublic || !this.verifier.enabled) return true;
    const request = context.switchToHttp().getRequest<Request>();
    if (this.verifier.isAuthorized(request.headers)) return true;
    throw new UnauthorizedError();
  }
}
