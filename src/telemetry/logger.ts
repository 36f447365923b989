import pino, { type Logger, type LevelWithSilent } from 'pino';
import { Writable } from 'node:stream';
import { fieldRedactor } from './redact-fields.js';

export type { Logger };

/** Field paths whose values are secrets: pino replaces them before a line is written. */
export const REDACT_PATHS = [
  'secret', '*.secret', 'clientSecret', '*.clientSecret', 'client_secret', '*.client_secret',
  'password', '*.password', 'token', '*.token', 'accessToken', '*.accessToken', 'access_token', '*.access_token',
  'authorization', '*.authorization', 'headers.authorization', '*.headers.authorization',
  'req.headers.authorization', 'req.headers.cookie',
];

/** What a redacted value reads as. */
const REDACTED = '[REDACTED]';
const redactFields = fieldRedactor(REDACT_PATHS, REDACTED);

export interface LoggerOptions {
  /** Which component writes (issuer, token-refresher, api, ...): every line carries it. */
  component: string;
  level?: LevelWithSilent | string;
  /** Secret values that must never reach the output, wherever they appear (message, nested field, error). */
  secrets?: readonly string[];
  /** Where lines go; default stdout. */
  destination?: NodeJS.WritableStream;
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** A JSON logger (pino) that redacts known secret fields and scrubs known secret values from every line. */
export function createLogger(opts: LoggerOptions): Logger {
  const level = opts.level ?? 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(level)) {
    throw new Error(`invalid log level "${level}": use one of ${LOG_LEVELS.join(', ')}`);
  }
  const out = opts.destination ?? process.stdout;
  const secrets = (opts.secrets ?? []).filter((s) => s.length >= 4);
  const dest = secrets.length === 0 ? out : scrubbingStream(out, secrets);
  const logger = pino(
    {
      level,
      base: { component: opts.component },
      timestamp: pino.stdTimeFunctions.isoTime,
      // REDACT_PATHS applied by our own formatter: pino's `redact` gives the same lines at 4-5x the cost per line.
      formatters: { level: (label) => ({ level: label }), log: redactFields, bindings: redactFields },
    },
    dest,
  );
  // pino gives a child an identity bindings formatter; a child is created from its parent's prototype, so this
  // one override redacts the bindings of every descendant.
  const child = Object.getPrototypeOf(logger).child as Logger['child'];
  logger.child = function redactedChild(this: Logger, bindings, options) {
    return child.call(this, redactFields(bindings), options);
  } as Logger['child'];
  return logger;
}

/** Last line of defence: a secret that slipped into a message or an error text is replaced in the serialized line. */
function scrubbingStream(out: NodeJS.WritableStream, secrets: readonly string[]): Writable {
  // A secret may appear JSON-escaped inside the line, so look for both spellings.
  const needles = [...new Set(secrets.flatMap((s) => [s, JSON.stringify(s).slice(1, -1)]))];
  return new Writable({
    write(chunk: Buffer, _enc, cb) {
      let line = chunk.toString();
      for (const n of needles) if (line.includes(n)) line = line.split(n).join(REDACTED);
      out.write(line);
      cb();
    },
  });
}
