// kas-fleet-manager's error envelope: {id, kind:"Error", href, code:"KAFKAS-MGMT-<n>", reason, operation_id},
// plus the fields every obspath error carries (status, errorType, error, hop, requestId).
import { errorTypeForStatus } from '../http/errors.js';

export const ERROR_HREF_BASE = '/api/kafkas_mgmt/v1/errors/';

/** The codes the metrics endpoints use (pkg/errors/errors.go). */
export const ErrorCode = {
  Forbidden: 4,
  NotFound: 7,
  Validation: 8,
  General: 9,
  Unauthenticated: 15,
  BadRequest: 21,
} as const;

const STATUS: Record<number, number> = { 4: 403, 7: 404, 8: 400, 9: 500, 15: 401, 21: 400 };

export interface ErrorBody {
  id: string;
  kind: 'Error';
  href: string;
  code: string;
  reason: string;
  operation_id?: string;
  status: 'error';
  errorType: string;
  error: string;
  hop: 'fleet-manager';
  requestId?: string;
}

/** A service error: throw it from a handler; the fleet manager's error handler sends the envelope. */
export class ServiceError extends Error {
  readonly statusCode: number;
  constructor(readonly code: number, readonly reason: string, statusCode?: number) {
    super(reason);
    this.name = 'ServiceError';
    this.statusCode = statusCode ?? STATUS[code] ?? 500;
  }

  body(operationId?: string): ErrorBody {
    return {
      id: String(this.code),
      kind: 'Error',
      href: `${ERROR_HREF_BASE}${this.code}`,
      code: `KAFKAS-MGMT-${this.code}`,
      reason: this.reason,
      ...(operationId ? { operation_id: operationId } : {}),
      status: 'error',
      errorType: errorTypeForStatus(this.statusCode),
      error: this.reason,
      hop: 'fleet-manager',
      ...(operationId ? { requestId: operationId } : {}),
    };
  }
}

export const badRequest = (reason: string) => new ServiceError(ErrorCode.BadRequest, reason);
export const unauthenticated = (reason: string) => new ServiceError(ErrorCode.Unauthenticated, reason);
export const notFound = (reason: string) => new ServiceError(ErrorCode.NotFound, reason);
