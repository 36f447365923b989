// What the doctor looks for in the cluster, with the defaults of the fleet manager's templates and the runbook
// (kas-fleet-manager.md §6, observatorium-non-2xx.md step 4). Every name can be overridden for other installs.

import type { Labels } from './k8s/types.js';

export interface DoctorTargets {
  /** The namespace of the token refresher (and, by default, of its clients). */
  namespace: string;
  refresherSelector: Labels;
  refresherDeployment: string;
  /** The refresher's proxy port (the Service's targetPort, container port "http"). */
  refresherPort: number;
  fleetManagerSelector: Labels;
  fleetManagerNamespace?: string;
  prometheusSelector: Labels;
  prometheusNamespace?: string;
  /** The Secret that holds the client id and secret, and its keys. */
  credentialsSecret: string;
  clientIdKey: string;
  clientSecretKey: string;
}

export const DEFAULT_NAMESPACE = 'managed-services-stage';

export function defaultTargets(namespace = DEFAULT_NAMESPACE): DoctorTargets {
  return {
    namespace,
    refresherSelector: { 'app.kubernetes.io/component': 'authentication-proxy', 'app.kubernetes.io/name': 'token-refresher' },
    refresherDeployment: 'token-refresher',
    refresherPort: 8080,
    fleetManagerSelector: { app: 'kas-fleet-manager' },
    prometheusSelector: { 'operator.prometheus.io/name': 'app-sre' },
    credentialsSecret: 'kas-fleet-manager-observatorium-configuration-red-hat-sso',
    clientIdKey: 'grafana.clientId',
    clientSecretKey: 'grafana.clientSecret',
  };
}

export type Environment = 'stage' | 'production';

export const EXPECTED_OBSERVATORIUM_URL: Readonly<Record<Environment, string>> = {
  stage: 'https://observatorium-mst.api.stage.openshift.com/api/metrics/v1/managedkafka',
  production: 'https://observatorium-mst.api.openshift.com/api/metrics/v1/managedkafka',
};

export const EXPECTED_ISSUER_URL = 'https://sso.redhat.com/auth/realms/redhat-external';
export const EXPECTED_AUDIENCE = 'observatorium-telemeter';

/** Guesses the environment from the namespace name ("managed-services-stage", "...-production"/"-prod"). */
export function environmentFromNamespace(ns: string): Environment | undefined {
  if (/(^|-)stage($|-)/.test(ns)) return 'stage';
  if (/(^|-)(production|prod)($|-)/.test(ns)) return 'production';
  return undefined;
}
