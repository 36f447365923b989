// The console's page and its assets, served from the package (the page makes no request outside this origin).
import type { FastifyInstance } from 'fastify';
import type { ConsoleContext } from './context.js';

export function registerUiRoutes(app: FastifyInstance, _ctx: ConsoleContext): void {
  app.get('/', (_req, reply) => {
    reply.type('text/html; charset=utf-8').send('<!doctype html><html lang="en"><head><meta charset="utf-8"><title>obspath console</title></head><body><h1>obspath console</h1></body></html>\n');
  });
}
