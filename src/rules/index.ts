// Prometheus rule evaluation (alerting and recording rules) and Alertmanager notification, over any Querier
// and the embedded PromQL engine. A library: the store runs it; it imports no hop.
export { RuleManager, DEFAULT_FOR_STATE_RESTORE, type RuleManagerOptions } from './manager.js';
export { RuleGroup, type Rule, type RuleStatus } from './group.js';
export { AlertingRule, RESOLVED_RETENTION_MS, sampleValue, type Alert, type AlertState, type RuleSample } from './alerting.js';
export { RecordingRule } from './recording.js';
export { loadRuleFiles, parseRuleFile, RuleFileError, type RuleGroupSpec, type RuleSpec } from './file.js';
export { Notifier, generatorUrl, toPostable, type NotifierOptions, type PostableAlert } from './notifier.js';
export { handleRulesApi, activeAlerts, goTime } from './api.js';
export { Template, TemplateError } from './template.js';
