// Where the probe's bearer token comes from: nothing (a token refresher adds one), a static token, a
// file re-read per request (as up's -token-file), or its own OAuth2 client (the refresher's code).
import { readFile } from 'node:fs/promises';
import { OAuthClient, TokenError } from '../oauth/client.js';
import { TokenSource } from '../oauth/token-source.js';
import type { Logger } from '../telemetry/logger.js';
import type { ProbeConfig } from './config.js';
import { ProbeSetupError } from './failure.js';

export interface TokenProvider {
  /** The token to send, or undefined for none; throws ProbeSetupError when one is needed but missing. */
  get(): Promise<string | undefined>;
  /** For /ready: false only while an OIDC token is still missing. */
  status(): { ready: boolean; reason?: string; error?: string };
  close(): Promise<void>;
}

export function createTokenProvider(config: ProbeConfig, logger: Logger): TokenProvider {
  if (config.token) {
    const token = config.token;
    return { get: async () => token, status: () => ({ ready: true }), close: async () => undefined };
  }
  if (config.tokenFile) {
    const file = config.tokenFile;
    return {
      async get() {
        let text: string;
        try {
          text = (await readFile(file, 'utf8')).trim();
        } catch (err) {
          throw new ProbeSetupError('probe', 'token_unavailable', `cannot read --token-file ${file}: ${(err as Error).message}`, 'token_file');
        }
        if (!text) throw new ProbeSetupError('probe', 'token_unavailable', `--token-file ${file} is empty`, 'token_file');
        return text;
      },
      status: () => ({ ready: true }),
      close: async () => undefined,
    };
  }
  if (config.oidcIssuerUrl) {
    const client = new OAuthClient({
      issuerUrl: config.oidcIssuerUrl,
      clientId: config.oidcClientId!,
      clientSecret: config.oidcClientSecret!,
      audience: config.oidcAudience,
      scopes: config.oidcScope,
      timeoutMs: config.oidcTimeout,
    });
    const tokens = new TokenSource(client, { logger });
    tokens.start();
    return {
      async get() {
        let timer: NodeJS.Timeout | undefined;
        try {
          // Waits only while the first token is being fetched; a round must not wait past its deadline.
          const deadline = new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new TokenError('issuer_timeout', `no token within the period (${config.period} ms)`)), config.period);
          });
          return await Promise.race([tokens.get(), deadline]);
        } catch (err) {
          const reason = err instanceof TokenError ? err.reason : 'issuer_error';
          throw new ProbeSetupError('issuer', 'token_unavailable', `no access token from ${config.oidcIssuerUrl}: ${(err as Error).message}`, reason);
        } finally {
          clearTimeout(timer);
        }
      },
      status() {
        const s = tokens.status();
        if (s.valid) return { ready: true };
        return { ready: false, reason: 'token_unavailable', error: s.lastError?.message ?? 'no access token has been obtained yet' };
      },
      async close() {
        tokens.stop();
        await client.close();
      },
    };
  }
  return { get: async () => undefined, status: () => ({ ready: true }), close: async () => undefined };
}
