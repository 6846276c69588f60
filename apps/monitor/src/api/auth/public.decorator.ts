import { SetMetadata } from '@nestjs/common';

export const PUBLIC_ROUTE = 'koji-farm:public-route';

/** Marks a route that needs no token: health probes, the dashboard shell, the session login. */
export const Public = () => SetMetadata(PUBLIC_ROUTE, true);
