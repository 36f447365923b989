// Placeholder replaced below.
import type { Logger } from '../../telemetry/logger.js';
import type { Backend } from './types.js';
export class EmbeddedBackend {
  static async open(_o: { dir: string; retentionMs: number; logger: Logger; maxDecompressedBytes: number }): Promise<Backend> {
    throw new Error('embedded backend not built yet');
  }
}
