import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { middleware as openApiValidator } from 'express-openapi-validator';
import type { OpenAPIV3 } from 'express-openapi-validator/dist/framework/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MATRIX_FORMATS, OPENAPI_DOCUMENT, resolveBasePath } from '../../src/server/openapi.js';

/**
 * The installed express-openapi-validator carries `patches/express-openapi-validator+5.6.2.patch`.
 * Once the spec has loaded, the patched middlewares call `next` in the same tick, so a route
 * behind them runs before the middleware in front of them returns. The unpatched ones wait for a
 * promise step each, and the route runs later.
 */
describe('patched express-openapi-validator', () => {
  let server: Server;
  let url: string;

  beforeAll(async () => {
    const basePath = resolveBasePath();
    const app = express();
    app.use((_req, res, next) => {
      let inFrontCall = true;
      res.locals.inFrontCall = () => inFrontCall;
      next();
      inFrontCall = false;
    });
    app.use(
      openApiValidator({
        apiSpec: {
          ...structuredClone(OPENAPI_DOCUMENT),
          servers: [{ url: basePath }],
        } as unknown as OpenAPIV3.DocumentV3_1,
        validateRequests: { allowUnknownQueryParameters: true },
        validateResponses: true,
        validateSecurity: false,
        fileUploader: false,
        formats: MATRIX_FORMATS,
      }),
    );
    app.get(`${basePath}/mutual_rooms`, (_req, res) => {
      res.json({ joined: [], count: 0, ranInFrontCall: (res.locals.inFrontCall as () => boolean)() });
    });
    server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${basePath}/mutual_rooms?user_id=%40bob%3Aexample.org`;
  });

  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  it('validates in the same tick once the spec has loaded', async () => {
    const first = (await (await fetch(url)).json()) as { ranInFrontCall: boolean };
    expect(first.ranInFrontCall).toBe(false);
    const later = (await (await fetch(url)).json()) as { ranInFrontCall: boolean };
    expect(later.ranInFrontCall).toBe(true);
  });

  it('still rejects an invalid query', async () => {
    const response = await fetch(url.replace('%40bob', 'bob'));
    expect(response.status).toBe(400);
  });
});
