// The console `obspath up` serves (base port + 9): the path live, its alerts and verdict, and live fault
// injection for game days. One fastify app; each part registers its routes (faults-api, status-api, ui).
import { createHttpApp, listen } from '../../http/server.js';
import type { ConsoleContext } from './context.js';
import { registerFaultRoutes } from './faults-api.js';
import { registerStatusRoutes } from './status-api.js';
import { registerUiRoutes } from './ui.js';

export interface RunningConsole {
  url: string;
  close(): Promise<void>;
}

export async function startConsole(ctx: ConsoleContext, listenAddress: string): Promise<RunningConsole> {
  const app = createHttpApp({ logger: ctx.logger, hop: 'console', requestTimeoutMs: 30_000, accessLog: false });
  registerFaultRoutes(app, ctx);
  registerStatusRoutes(app, ctx);
  registerUiRoutes(app, ctx);
  const addr = await listen(app, listenAddress, '--console.listen');
  return { url: addr.url, close: () => app.close() };
}
