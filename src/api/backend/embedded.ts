// The embedded backend: a store hosted in-process (opened by the CLI, see EmbeddedStore) and the PromQL
// engine. Writes go to the store's remote-write ingest; reads through the Prometheus HTTP API functions of
// promapi/ (the same ones `obspath store` serves), evaluating the query the API already parsed to enforce
// the tenant.
import { HttpError } from '../../http/errors.js';
import { Engine } from '../../promql/engine.js';
import { formatDuration } from '../../promql/lex.js';
import { handleMeta, handleRead, type ReadEndpoint } from '../../promapi/index.js';
import type { Backend, BackendHealth, BackendResponse, EmbeddedStore, ReadCall, WriteCall } from './types.js';

export interface EmbeddedOptions {
  store: EmbeddedStore;
  /** Where the store keeps its data (reported by the health check). */
  dir: string;
  retentionMs: number;
  maxDecompressedBytes: number;
  /** Query timeout (ms). */
  timeoutMs?: number;
}

const JSON_HEADERS = { 'content-type': 'application/json' };

export class EmbeddedBackend implements Backend {
  readonly kind = 'embedded';
  readonly hasRules = false;
  readonly canRead = true;
  readonly canWrite = true;
  readonly acceptsParsedQuery = true;
  private readonly startTimeMs = Date.now();
  private readonly store: EmbeddedStore;
  private readonly engine: Engine;

  constructor(private readonly opts: EmbeddedOptions) {
    this.store = opts.store;
    this.engine = new Engine({ timeoutMs: opts.timeoutMs ?? 120_000 });
  }

  async read(call: ReadCall): Promise<BackendResponse> {
    if (call.endpoint === 'rules' || call.endpoint === 'alerts') {
      throw new HttpError(404, 'not_found', `api: the embedded backend has no ${call.endpoint}`, { hop: 'api' });
    }
    if (call.endpoint === 'query_exemplars' || call.endpoint === 'buildinfo' || call.endpoint === 'runtimeinfo') {
      const runtime = () => ({ startTimeMs: this.startTimeMs, storageRetention: formatDuration(this.opts.retentionMs), corruptionCount: this.store.corruptionCount() });
      const ans = handleMeta({ engine: this.engine, runtime }, call.endpoint, call.params, call.expr);
      return { status: ans.status, headers: { ...JSON_HEADERS }, body: ans.body };
    }
    const endpoint: ReadEndpoint = call.endpoint === 'label_names' ? 'labels' : call.endpoint;
    const ans = handleRead({ querier: this.store.querier, engine: this.engine }, endpoint, call.params, call.labelName, call.expr);
    return { status: ans.status, headers: { ...JSON_HEADERS }, body: ans.body };
  }

  async write(call: WriteCall): Promise<BackendResponse> {
    const res = await this.store.write(call.body, call.headers, this.opts.maxDecompressedBytes);
    if (res.status === 204) return { status: 204, headers: {}, body: '' };
    return { status: res.status, headers: { ...JSON_HEADERS }, body: res.body };
  }

  async check(): Promise<BackendHealth> {
    return { ok: true, kind: 'embedded', dir: this.opts.dir };
  }

  close(): Promise<void> {
    return this.store.close();
  }
}
