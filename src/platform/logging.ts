/** What may be written to logs: nothing that authenticates whoever holds it. */
import pino from 'pino';
import type { Logger } from 'pino';
import type { Config } from '../config.js';

/** A shopper page's or widget's token in a query string: it authenticates whoever holds it. */
const QUERY_TOKEN = /([?&](?:client_)?token=)[^&#]*/gi;

/**
 * Path segments that authenticate whoever holds them (the hosted payment page's code), declared by
 * the modules (`secretPaths` in platform/module.ts): each pattern keeps its first group and blanks
 * the rest of its match.
 */
const secretPaths: RegExp[] = [];

export function redactPaths(patterns: readonly RegExp[]): void {
  for (const pattern of patterns) if (!secretPaths.some((p) => p.source === pattern.source)) secretPaths.push(new RegExp(pattern.source, 'g'));
}

/** A URL as it may be logged: shopper tokens in the query string and secret path segments blanked. */
export function loggableUrl(url: string): string {
  let out = url.replace(QUERY_TOKEN, '$1[redacted]');
  for (const pattern of secretPaths) out = out.replace(pattern, '$1[redacted]');
  return out;
}

/**
 * What pino blanks in any object a log call is handed: credentials (Basic authorization, passwords)
 * and the dashboard's session cookie and form token.
 */
export const LOG_REDACT_PATHS: readonly string[] = [
  'req.headers.authorization',
  'headers.authorization',
  'req.headers.cookie',
  'headers.cookie',
  'headers["set-cookie"]',
  'res.headers["set-cookie"]',
  'password',
  '*.password',
  'csrf_token',
  '*.csrf_token',
];

/** The server's logger: on stdout, or on `destination` (`exec` keeps stdout for the command it runs). */
export function createLogger(config: Pick<Config, 'logLevel'>, destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level: config.logLevel,
    // Credentials never reach the logs, whatever a log call is handed.
    redact: { paths: [...LOG_REDACT_PATHS], censor: '[redacted]' },
    // The request in Fastify's per-request lines (debug, trace): no headers, and no token from the URL.
    serializers: { req: (req: { method: string; url: string; ip?: string }) => ({ method: req.method, url: loggableUrl(req.url), remoteAddress: req.ip }) },
  };
  return destination ? pino(options, destination) : pino(options);
}
