// The embedded backend: obspath's own store and PromQL engine in-process. Writes go through the store's
// remote-write ingest; reads through the store's Prometheus HTTP API functions (the same ones `obspath store` serves).
import { HttpError } from '../../http/errors.js';
import { Engine } from '../../promql/engine.js';
import { formatDuration } from '../../promql/lex.js';
import { Store, ingestErrorBody, ingestRemoteWrite } from '../../store/index.js';
import type { Logger } from '../../telemetry/logger.js';
import { handleMeta, handleRead, type ReadEndpoint } from '../../store/http-api.js';
import type { Backend, BackendHealth, BackendResponse, ReadCall, WriteCall } from './types.js';

export interface EmbeddedOptions {
  dir: string;
  retentionMs: number;
  logger: Logger;
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
  private readonly startTimeMs = Date.now();

  private constructor(private readonly store: Store, private readonly engine: Engine, private readonly opts: EmbeddedOptions) {}

  static async open(opts: EmbeddedOptions): Promise<EmbeddedBackend> {
    const store = await Store.open({ dir: opts.dir, retentionMs: opts.retentionMs, onWarning: (msg) => opts.logger.warn(msg) });
    return new EmbeddedBackend(store, new Engine({ timeoutMs: opts.timeoutMs ?? 120_000 }), opts);
  }

  async read(call: ReadCall): Promise<BackendResponse> {
    if (call.endpoint === 'rules' || call.endpoint === 'alerts') {
      throw new HttpError(404, 'not_found', `api: the embedded backend has no ${call.endpoint}`, { hop: 'api' });
    }
    if (call.endpoint === 'query_exemplars' || call.endpoint === 'buildinfo' || call.endpoint === 'runtimeinfo') {
      const runtime = () => ({ startTimeMs: this.startTimeMs, storageRetention: formatDuration(this.opts.retentionMs), corruptionCount: this.store.stats().walCorruptions });
      const ans = handleMeta({ engine: this.engine, runtime }, call.endpoint, call.params);
      return { status: ans.status, headers: { ...JSON_HEADERS }, body: ans.body };
    }
    const endpoint: ReadEndpoint = call.endpoint === 'label_names' ? 'labels' : call.endpoint;
    const ans = handleRead({ querier: this.store, engine: this.engine }, endpoint, call.params, call.labelName);
    return { status: ans.status, headers: { ...JSON_HEADERS }, body: ans.body };
  }

  async write(call: WriteCall): Promise<BackendResponse> {
    const res = await ingestRemoteWrite(this.store, call.body, call.headers, { maxCompressedBytes: call.body.length + 1, maxDecompressedBytes: this.opts.maxDecompressedBytes });
    if (res.status === 204) return { status: 204, headers: {}, body: '' };
    return { status: res.status, headers: { ...JSON_HEADERS }, body: JSON.stringify(ingestErrorBody(res)) };
  }

  async check(): Promise<BackendHealth> {
    return { ok: true, kind: 'embedded', dir: this.opts.dir };
  }

  close(): Promise<void> {
    return this.store.close();
  }
}
