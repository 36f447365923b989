// Fastify gives every request a child logger carrying its request id. Building a pino child (with the
// redaction set up for it) costs more than many proxied requests do on their own, and most requests never
// log a line at the configured level (the access log is info; servers run at warn under load). So the
// child is made on the first line that will be written; lines carry the same bindings as before.
import type { FastifyBaseLogger } from 'fastify';
import type { Bindings, ChildLoggerOptions, Level, LevelWithSilentOrString, Logger } from 'pino';

type Args = Parameters<FastifyBaseLogger['info']>;

class RequestLogger {
  #child?: FastifyBaseLogger;

  constructor(private readonly parent: Logger, private readonly bindings: Bindings, private readonly options: ChildLoggerOptions) {}

  get #real(): FastifyBaseLogger {
    this.#child ??= this.parent.child(this.bindings, this.options);
    return this.#child;
  }

  #log(level: Level, args: Args): void {
    if (this.#child) this.#child[level](...args);
    else if (this.parent.isLevelEnabled(level)) this.#real[level](...args);
  }

  get level(): LevelWithSilentOrString {
    return this.#child?.level ?? this.parent.level;
  }

  set level(level: LevelWithSilentOrString) {
    this.#real.level = level;
  }

  isLevelEnabled(level: LevelWithSilentOrString): boolean {
    return this.#child ? (this.#child as Logger).isLevelEnabled(level) : this.parent.isLevelEnabled(level);
  }

  fatal(...args: Args): void { this.#log('fatal', args); }
  error(...args: Args): void { this.#log('error', args); }
  warn(...args: Args): void { this.#log('warn', args); }
  info(...args: Args): void { this.#log('info', args); }
  debug(...args: Args): void { this.#log('debug', args); }
  trace(...args: Args): void { this.#log('trace', args); }
  silent(): void {}

  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.#real.child(bindings, options);
  }
}

/** Fastify's childLoggerFactory: a request logger that becomes a pino child on its first written line. */
export function lazyRequestLogger(logger: FastifyBaseLogger, bindings: Bindings, options: ChildLoggerOptions): FastifyBaseLogger {
  // A per-route level or serializers change how lines are written: those get the real child at once.
  if (options.level !== undefined || options.serializers !== undefined) return logger.child(bindings, options);
  return new RequestLogger(logger as Logger, bindings, options) as unknown as FastifyBaseLogger;
}
