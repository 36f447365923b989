import Provider, { errors, type ProviderContext } from 'oidc-provider';
import type { IssuerClient } from './clients.js';
import type { SigningJwk } from './keys.js';

/** The `audience` form parameter of token requests, which oidc-provider strips before grant handlers see it. */
export const requestedAudience = new WeakMap<object, string>();

export interface ProviderOptions {
  issuerUrl: string;
  clients: readonly IssuerClient[];
  keys: readonly SigningJwk[];
  /** Default access-token lifetime in seconds. */
  tokenTtlSeconds: number;
}

const RESOURCE = 'urn:obspath:metrics';

/** Process-local storage for the few artefacts oidc-provider keeps (JWT access tokens need none). */
class MemoryAdapter {
  static readonly store = new Map<string, { payload: unknown; expiresAt: number }>();
  constructor(private readonly model: string) {}
  private key(id: string) {
    return `${this.model}:${id}`;
  }
  async upsert(id: string, payload: unknown, expiresIn: number) {
    MemoryAdapter.store.set(this.key(id), { payload, expiresAt: Date.now() + expiresIn * 1000 });
  }
  async find(id: string) {
    const hit = MemoryAdapter.store.get(this.key(id));
    if (!hit || hit.expiresAt < Date.now()) return undefined;
    return hit.payload;
  }
  async findByUid() {
    return undefined;
  }
  async findByUserCode() {
    return undefined;
  }
  async consume() {}
  async destroy(id: string) {
    MemoryAdapter.store.delete(this.key(id));
  }
  async revokeByGrantId() {}
}

function requestedScopes(ctx: ProviderContext): string[] {
  const raw = ctx.oidc.params?.scope;
  return typeof raw === 'string' ? raw.split(/[\s]+/).filter(Boolean) : [];
}

/**
 * An oidc-provider configured for machine clients: client_credentials only, JWT access tokens signed
 * RS256, `aud` from the client's allowed audiences, extra claims per client. Two library behaviours
 * are corrected here: unknown scopes are refused (it drops them silently) and `audience` is honoured.
 */
export function buildProvider(opts: ProviderOptions): Provider {
  const byId = new Map(opts.clients.map((c) => [c.clientID, c]));
  const allScopes = new Set<string>(['openid']);
  for (const c of opts.clients) for (const s of c.scopes) allScopes.add(s);

  const provider = new Provider(opts.issuerUrl, {
    clients: opts.clients.map((c) => ({
      client_id: c.clientID,
      client_secret: c.clientSecret,
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'client_secret_basic',
      scope: c.scopes.join(' ') || undefined,
    })),
    adapter: MemoryAdapter,
    ttl: { ClientCredentials: (_ctx: unknown, token: { resourceServer?: { accessTokenTTL?: number } }) => token.resourceServer?.accessTokenTTL ?? opts.tokenTtlSeconds },
    clientDefaults: { token_endpoint_auth_method: 'client_secret_basic' },
    // Allow both client authentication styles on the token endpoint, whatever the client registration says.
    clientAuthMethods: ['client_secret_basic', 'client_secret_post'],
    jwks: { keys: opts.keys },
    scopes: [...allScopes],
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: { enabled: false },
      revocation: { enabled: false },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => RESOURCE,
        useGrantedResource: () => true,
        getResourceServerInfo: (ctx: ProviderContext, _resource: string, client: { clientId: string }) => {
          const conf = byId.get(client.clientId);
          if (!conf) throw new errors.InvalidTarget('unknown client');
          const asked = requestedScopes(ctx);
          const refused = asked.filter((s) => !conf.scopes.includes(s));
          if (refused.length > 0) {
            throw new errors.InvalidScope(`requested scope is not allowed for this client: ${refused.join(' ')}`, refused.join(' '));
          }
          const audienceParam = requestedAudience.get(ctx.req);
          let audience: string | string[] = conf.audience.length > 0 ? conf.audience[0]! : conf.clientID;
          if (typeof audienceParam === 'string' && audienceParam !== '') {
            const asks = audienceParam.split(/[\s,]+/).filter(Boolean);
            const bad = asks.filter((a) => !conf.audience.includes(a));
            if (bad.length > 0) throw new errors.InvalidTarget(`audience not allowed for this client: ${bad.join(' ')}`);
            audience = asks.length === 1 ? asks[0]! : asks;
          }
          return {
            scope: conf.scopes.join(' '),
            audience,
            accessTokenTTL: Math.max(1, Math.round((conf.tokenTTL ?? opts.tokenTtlSeconds * 1000) / 1000)),
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: 'RS256' } },
          };
        },
      },
    },
    extraTokenClaims: (_ctx: unknown, token: { clientId?: string }) => {
      const conf = token.clientId ? byId.get(token.clientId) : undefined;
      return conf ? { ...conf.claims } : {};
    },
    // Machine clients only: no cookies, no interactions; keep the provider quiet about dev defaults.
    cookies: { keys: ['obspath-dev-issuer-cookie-key'] },
    renderError: (ctx: { type: string; body: unknown }, out: Record<string, unknown>) => {
      ctx.type = 'application/json';
      ctx.body = out;
    },
  });
  provider.proxy = false;
  return provider;
}
