// Errors carry a Prometheus API error type so the HTTP layer can map them to status codes:
// bad_data → 400, execution → 422, timeout → 503, canceled → 503, internal → 500.

import type { PosRange } from './ast.js';

/** Prometheus's parse error for an empty query (or one of only comments). */
export const NO_EXPRESSION = 'no expression found in input';
/** The whole message of that error, as Prometheus words it for an empty `query` parameter. */
export const EMPTY_QUERY_ERROR = `1:1: parse error: ${NO_EXPRESSION}`;

export type PromQLErrorType = 'bad_data' | 'execution' | 'timeout' | 'canceled' | 'internal';

export class PromQLError extends Error {
  readonly errorType: PromQLErrorType;
  constructor(errorType: PromQLErrorType, message: string) {
    super(message);
    this.name = 'PromQLError';
    this.errorType = errorType;
  }
}

/** A syntax or type error, formatted like Prometheus's ParseErr: `1:6: parse error: unclosed left parenthesis`. */
export class PromQLParseError extends PromQLError {
  /** Position range in the query (byte offsets; JS string offsets for non-ASCII input). */
  readonly position: PosRange;
  /** The message without the `line:col: parse error: ` prefix. */
  readonly detail: string;
  readonly query: string;
  constructor(query: string, position: PosRange, detail: string) {
    super('bad_data', `${positionPrefix(query, position.start)} parse error: ${detail}`);
    this.name = 'PromQLParseError';
    this.position = position;
    this.detail = detail;
    this.query = query;
  }
}

function positionPrefix(query: string, pos: number): string {
  if (pos < 0 || pos > query.length) return 'invalid position:';
  let line = 1;
  let lastBreak = -1;
  for (let i = 0; i < pos; i++) {
    if (query.charCodeAt(i) === 10) {
      lastBreak = i;
      line++;
    }
  }
  return `${line}:${pos - lastBreak}:`;
}

export class QueryTimeoutError extends PromQLError {
  constructor(phase: string) {
    super('timeout', `query timed out in ${phase}`);
  }
}

export class TooManySamplesError extends PromQLError {
  constructor() {
    super('execution', 'query processing would load too many samples into memory in query execution');
  }
}

export function executionError(message: string): PromQLError {
  return new PromQLError('execution', message);
}
