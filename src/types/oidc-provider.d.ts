// oidc-provider ships no type declarations; this is the small surface obspath uses.
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  export interface ProviderContext {
    req: IncomingMessage;
    oidc: { params?: Record<string, unknown>; client?: { clientId: string } };
  }

  export class Provider {
    constructor(issuer: string, configuration: Record<string, unknown>);
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
    on(event: string, listener: (...args: unknown[]) => void): this;
    proxy: boolean;
  }

  export const errors: {
    InvalidScope: new (description: string, scope: string) => Error;
    InvalidTarget: new (description?: string) => Error;
    InvalidRequest: new (description?: string) => Error;
    [name: string]: new (...args: never[]) => Error;
  };

  export default Provider;
}
