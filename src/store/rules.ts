// The store's rule evaluation: rule files checked before the store listens (a bad file stops start-up with
// its error), the rule manager started once the store's URL is known (generatorURL), results written into
// the store, alerts sent to the Alertmanagers, and /api/v1/rules and /api/v1/alerts served.
// The rule engine (manager, templates, notifier and its undici client) is imported only when rule files or
// Alertmanagers are configured: a store without them does not hold those modules in memory.
import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import type { Engine } from '../promql/engine.js';
import { withRequestId } from '../promapi/index.js';
import { Counter, Gauge } from 'prom-client';
import { handleRulesApi } from '../rules/api.js';
import type { RuleGroupSpec, RuleManager, RuleSample } from '../rules/index.js';
import type { Logger } from '../telemetry/logger.js';
import type { Store } from './store.js';

export interface StoreRulesOptions {
  files?: readonly string[];
  /** Default 1 m. */
  evaluationIntervalMs?: number;
  /** Default 1 m. */
  resendDelayMs?: number;
  alertmanagerUrls?: readonly string[];
  /** Per Alertmanager call. Default 10 s. */
  alertmanagerTimeoutMs?: number;
  /** generatorURL's base; default the store's own URL. */
  externalUrl?: string;
  externalLabels?: Record<string, string>;
}

export interface StoreRules {
  /** Starts evaluating (after the server listens at `url`). */
  start(url: string): void;
  manager(): RuleManager | null;
  stop(): Promise<void>;
}

function ruleMetrics(registry: Registry, get: () => RuleManager | null) {
  new Gauge({ name: 'obspath_rule_groups', help: 'Rule groups loaded.', registers: [registry], collect() { this.set(get()?.groups.length ?? 0); } });
  new Gauge({
    name: 'obspath_rule_group_last_duration_seconds', help: 'Duration of the last evaluation of each rule group.', labelNames: ['rule_group'], registers: [registry],
    collect() { for (const g of get()?.groups ?? []) this.set({ rule_group: `${g.file};${g.name}` }, g.evaluationTime); },
  });
  new Gauge({ name: 'obspath_rule_group_iterations_missed', help: 'Rule group evaluations skipped because the previous one ran late.', registers: [registry], collect() { this.set(get()?.missedIterations ?? 0); } });
  return new Counter({ name: 'obspath_rule_evaluation_failures_total', help: 'Rule evaluations that failed (the rule has health "err").', registers: [registry] });
}

/** The rule files read and checked, and the rule engine when there is anything for it to do. */
export interface LoadedStoreRules {
  specs: RuleGroupSpec[];
  engine?: typeof import('../rules/index.js');
}

/** Reads and validates the rule files (throws RuleFileError naming the bad one); before the store opens. */
export async function loadStoreRules(opts: StoreRulesOptions = {}): Promise<LoadedStoreRules> {
  const files = opts.files ?? [];
  if (files.length === 0 && (opts.alertmanagerUrls ?? []).length === 0) return { specs: [] };
  const engine = await import('../rules/index.js');
  return { specs: engine.loadRuleFiles(files), engine };
}

/** Registers the API routes and metrics; evaluation begins with start(). */
export function setUpStoreRules(app: FastifyInstance, loaded: LoadedStoreRules, opts: StoreRulesOptions, deps: { store: Store; engine: Engine; registry: Registry; logger: Logger }): StoreRules {
  const { specs, engine: rules } = loaded;
  let manager: RuleManager | null = null;
  const notifier = rules !== undefined && (opts.alertmanagerUrls ?? []).length > 0
    ? new rules.Notifier({ alertmanagerUrls: opts.alertmanagerUrls!, timeoutMs: opts.alertmanagerTimeoutMs, externalLabels: opts.externalLabels, registry: deps.registry, warn: (m) => deps.logger.warn(m) })
    : undefined;
  const failures = ruleMetrics(deps.registry, () => manager);
  const write = async (samples: readonly RuleSample[], ts: number) => {
    const res = await deps.store.append(samples.map((s) => ({ labels: s.labels, timestamps: [ts], values: rules!.sampleValue(s) })));
    if (res.rejected > 0) deps.logger.warn({ rejected: res.rejected, reasons: res.reasons, examples: res.examples }, 'rule results refused by the store');
  };
  for (const endpoint of ['rules', 'alerts'] as const) {
    app.get(`/api/v1/${endpoint}`, async (req, reply) => {
      const q = req.url.indexOf('?');
      const res = withRequestId(handleRulesApi(manager?.groups ?? [], endpoint, new URLSearchParams(q >= 0 ? req.url.slice(q + 1) : '')), req.id);
      return reply.code(res.status).type('application/json').send(res.body);
    });
  }
  return {
    start(url) {
      if (specs.length === 0 || rules === undefined) return;
      manager = new rules.RuleManager(specs, {
        engine: deps.engine, querier: deps.store, write, notifier,
        evaluationIntervalMs: opts.evaluationIntervalMs, resendDelayMs: opts.resendDelayMs,
        externalUrl: opts.externalUrl ?? url, externalLabels: opts.externalLabels, restoreForState: rules.DEFAULT_FOR_STATE_RESTORE,
        warn: (m) => deps.logger.warn(m),
        onRuleFailure: () => failures.inc(),
      });
      manager.start();
      deps.logger.info({ groups: specs.length, rules: specs.reduce((n, g) => n + g.rules.length, 0), alertmanagers: opts.alertmanagerUrls?.length ?? 0 }, 'rule evaluation started');
    },
    manager: () => manager,
    async stop() {
      await manager?.stop();
      await notifier?.flush();
    },
  };
}
