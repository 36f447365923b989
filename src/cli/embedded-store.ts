// The store `obspath api` hosts in-process when it has no HTTP backend: obspath's own store, opened here
// and handed to the API in the API's EmbeddedStore shape (the CLI wires hops together; the API imports no
// store code, and the store none of the API's).
import type { EmbeddedStore, EmbeddedStoreOptions } from '../api/index.js';
import { Store, ingestErrorBody, ingestRemoteWrite } from '../store/index.js';

export async function openEmbeddedStore(opts: EmbeddedStoreOptions): Promise<EmbeddedStore> {
  const store = await Store.open({ dir: opts.dir, retentionMs: opts.retentionMs, onWarning: opts.onWarning });
  return {
    querier: store,
    async write(body, headers, maxDecompressedBytes) {
      // The API already bounded the compressed body (--web.max-body-size).
      const res = await ingestRemoteWrite(store, body, headers, { maxCompressedBytes: body.length + 1, maxDecompressedBytes });
      return { status: res.status, body: res.status === 204 ? '' : JSON.stringify(ingestErrorBody(res)) };
    },
    corruptionCount: () => store.stats().walCorruptions,
    close: () => store.close(),
  };
}
