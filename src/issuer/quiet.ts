import type { Logger } from '../telemetry/logger.js';

/**
 * oidc-provider writes its notices (an "unsupported runtime" warning on Node 20, development-adapter
 * hints) straight to the console. Route those lines into the structured log at debug level instead;
 * everything else on the console passes through untouched.
 */
export function routeOidcProviderNotices(logger: Logger): void {
  for (const level of ['warn', 'info'] as const) {
    const original = console[level].bind(console);
    console[level] = (...args: unknown[]) => {
      const first = args[0];
      if (typeof first === 'string' && first.includes('oidc-provider ')) {
        logger.debug({ notice: first.replace(/\x1b\[[0-9;]*m/g, '') }, 'oidc-provider notice');
        return;
      }
      original(...args);
    };
  }
}
