// A dashboard user of the local stack: polls the fleet manager's metrics API for each demo instance, so the
// fleet manager keeps talking to Observatorium and its request metrics (the runbook's alert) stay current.
import { request } from 'undici';
import type { Logger } from '../telemetry/logger.js';

export interface UserTrafficOptions {
  fleetManagerUrl: string;
  issuerUrl: string;
  clientId: string;
  clientSecret: string;
  instanceIds: readonly string[];
  intervalMs?: number;
  logger: Logger;
}

export function startUserTraffic(opts: UserTrafficOptions): { stop(): void; stats(): Record<number, number> } {
  const codes: Record<number, number> = {};
  let token: { value: string; expiresAt: number } | undefined;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let i = 0;

  const getToken = async (): Promise<string> => {
    if (token && token.expiresAt - Date.now() > 60_000) return token.value;
    const res = await request(`${opts.issuerUrl}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${opts.clientId}:${opts.clientSecret}`).toString('base64')}` },
      body: 'grant_type=client_credentials',
      headersTimeout: 5000,
      bodyTimeout: 5000,
    });
    const body = (await res.body.json()) as { access_token?: string; expires_in?: number };
    if (!body.access_token) throw new Error(`demo user token: ${res.statusCode}`);
    token = { value: body.access_token, expiresAt: Date.now() + (body.expires_in ?? 300) * 1000 };
    return token.value;
  };

  const tick = async () => {
    const id = opts.instanceIds[i++ % opts.instanceIds.length]!;
    const path = i % 2 === 0 ? `/api/kafkas_mgmt/v1/kafkas/${id}/metrics/query` : `/api/kafkas_mgmt/v1/kafkas/${id}/metrics/query_range?duration=15&interval=60`;
    try {
      const res = await request(`${opts.fleetManagerUrl}${path}`, { headers: { authorization: `Bearer ${await getToken()}` }, headersTimeout: 15_000, bodyTimeout: 15_000 });
      await res.body.dump();
      codes[res.statusCode] = (codes[res.statusCode] ?? 0) + 1;
    } catch (err) {
      codes[0] = (codes[0] ?? 0) + 1;
      opts.logger.debug({ err: (err as Error).message }, 'demo user request failed');
    }
  };
  const loop = async () => {
    if (stopped) return;
    await tick();
    if (!stopped) timer = setTimeout(() => void loop(), opts.intervalMs ?? 2000);
  };
  void loop();
  return { stop: () => { stopped = true; clearTimeout(timer); }, stats: () => ({ ...codes }) };
}
