import { z } from 'zod';
import { httpUrl } from '../config/validators.js';
import { durationMs } from '../config/duration.js';
import type { FieldSpec } from '../config/fields.js';
import { tlsServerFields, tlsServerSchema } from '../http/tls-flags.js';
import { refresherFields as flagTable, type RefresherFlagField } from '../config/refresher-flags.js';

const scopeList = z.union([z.string(), z.array(z.string())]).transform((v) => (Array.isArray(v) ? v : v.split(/[\s,]+/)).filter(Boolean));

export const refresherConfigSchema = z
  .object({
    issuerUrl: httpUrl,
    clientId: z.string().min(1, 'is required'),
    clientSecret: z.string().min(1, 'is required'),
    audience: z.string().optional(),
    scope: scopeList.default([]),
    upstreamUrl: httpUrl.optional(),
    upstreamCaFile: z.string().optional(),
    upstreamCertFile: z.string().optional(),
    upstreamKeyFile: z.string().optional(),
    upstreamConnectTimeout: durationMs.default(5000),
    upstreamTimeout: durationMs.default(110_000),
    upstreamBodyTimeout: durationMs.default(60_000),
    upstreamReadTimeout: durationMs.default(0),
    upstreamWriteTimeout: durationMs.default(0),
    oidcTimeout: durationMs.default(10_000),
    oidcRetryMaxBackoff: durationMs.default(1000),
    oidcRetryMinBackoff: durationMs.refine((v) => v >= 50, 'must be at least 50ms (the issuer is shared by every replica)').default(250),
    file: z.string().optional(),
    tempFile: z.string().optional(),
    margin: durationMs.optional(),
    webListen: z.string().default('127.0.0.1:8080'),
    webInternalListen: z.string().default('127.0.0.1:8081'),
    logLevel: z.enum(['error', 'warn', 'info', 'debug']).default('info'),
    logFormat: z.enum(['json', 'logfmt']).default('json'),
    ...tlsServerSchema,
  })
  .refine((c) => c.upstreamUrl !== undefined || c.file !== undefined, {
    message: 'nothing to do: give --url (alias --upstream.url, env OBSERVATORIUM_URL) to proxy, or --file to write the token to a file',
    path: ['upstreamUrl'],
  });

export type RefresherConfig = z.output<typeof refresherConfigSchema>;
export type RefresherField = keyof z.input<typeof refresherConfigSchema>;

/**
 * The refresher's flags and env vars (src/config/refresher-flags.ts, which the doctor reads too), checked
 * against the schema: every setting has its flags, and no flag names a setting the schema lacks.
 */
export const refresherFields: Record<RefresherField, FieldSpec> & Record<Exclude<RefresherFlagField, RefresherField>, never> = { ...flagTable, ...tlsServerFields };
