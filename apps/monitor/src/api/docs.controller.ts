import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Controller, Get, Param, Res } from '@nestjs/common';
import { type Response } from 'express';
import { Public } from './auth/public.decorator';
import { NotFoundAssetError } from './errors/not-found-asset.error';
import { buildOpenApiDocument } from './openapi/openapi-document';

export const API_VERSION = '1.0.0';

/** swagger-ui-dist comes with @nestjs/swagger; resolved at run time, so the bundle stays free of it. */
function swaggerAssetsDirectory(): string {
  const fromHere = createRequire(__filename);
  const fromSwagger = createRequire(fromHere.resolve('@nestjs/swagger'));
  return dirname(fromSwagger.resolve('swagger-ui-dist/package.json'));
}
const SWAGGER_ASSETS = new Set(['swagger-ui.css', 'swagger-ui-bundle.js', 'swagger-ui-standalone-preset.js']);

const SWAGGER_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>koji-farm monitor API</title>
<link rel="stylesheet" href="/api/docs/swagger-ui.css">
</head>
<body>
<div id="ui"></div>
<script src="/api/docs/swagger-ui-bundle.js"></script>
<script src="/api/docs/swagger-ui-standalone-preset.js"></script>
<script>
window.ui = SwaggerUIBundle({
  url: '/api/docs/openapi.json',
  dom_id: '#ui',
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
  layout: 'StandaloneLayout',
});
</script>
</body>
</html>
`;

/**
 * OpenAPI at /api/docs: the Swagger UI page and its assets (no data, public) and the
 * document itself at /api/docs/openapi.json (behind the token like the API).
 */
@Controller('api/docs')
export class DocsController {
  private readonly document = buildOpenApiDocument(API_VERSION);
  private readonly swaggerAssets = swaggerAssetsDirectory();

  @Public()
  @Get()
  page(@Res() res: Response): void {
    res.type('html').send(SWAGGER_PAGE);
  }

  @Get('openapi.json')
  openapi(): Record<string, unknown> {
    return this.document;
  }

  @Public()
  @Get(':asset')
  asset(@Param('asset') asset: string, @Res() res: Response): void {
    if (!SWAGGER_ASSETS.has(asset)) throw new NotFoundAssetError(`/api/docs/${asset}`);
    res.sendFile(join(this.swaggerAssets, asset));
  }
}
