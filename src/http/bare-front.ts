// A bare node:http listener (BareServer) in front of a fastify app: the hot routes are answered on the bare
// listener, without fastify's per-request pipeline; every other request is handed to fastify's router
// (`app.routing`) with the request id the bare listener chose, so its answer and the access line agree. The
// bare listener holds the socket: TLS, the request timeout, the access log and draining are its; the fastify
// app is made without them (createHttpApp's `accessLog: false`, no `tls`).
import type { FastifyInstance } from 'fastify';
import { BareServer, type BareServerOptions, type Exchange } from './bare-server.js';
import type { ComponentServer } from './lifecycle.js';

/** Answers `ex` and says true when it is a hot route; false leaves it (unread) to fastify. */
export type HotRoutes = (ex: Exchange) => boolean;

/** The listener of a component whose hot routes run bare; closing it drains the bare listener, then fastify. */
export async function bareFront(app: FastifyInstance, opts: BareServerOptions, hot: HotRoutes): Promise<ComponentServer & { bare: BareServer }> {
  await app.ready();
  const bare = new BareServer(opts, (ex) => {
    if (hot(ex)) return;
    // fastify takes the request id from this header (createHttpApp's genReqId).
    ex.req.headers['x-request-id'] = ex.id;
    app.routing(ex.req, ex.res);
  });
  return {
    bare,
    server: bare.server,
    listen: (at) => bare.listen(at),
    close: async () => {
      await bare.close();
      await app.close();
    },
  };
}
