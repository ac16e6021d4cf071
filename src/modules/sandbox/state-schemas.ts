/**
 * The shapes of a merchant's whole state as the sandbox resets, exports and imports it
 * (merchant-state.ts, state-routes.ts). Exported by name for typed clients (`Static<typeof …>`).
 */
import { Type } from 'typebox';
import type { Static } from 'typebox';
import { StringEnum } from '../../kernel/schemas.js';

export const SNAPSHOT_FORMAT = 'klarna-local/merchant-snapshot';
export const SNAPSHOT_VERSION = 1;

/** A table or column name as the migrations write them. */
const NAME = '^[a-z][a-z0-9_]*$';
const Name = { pattern: NAME, maxLength: 64 };

/** One stored value: the schema holds text, integers and doubles only (no booleans, no JSON types). */
export const SnapshotCell = Type.Union([Type.String(), Type.Number(), Type.Null()]);

/** A row exactly as stored, column → value. */
export const SnapshotRow = Type.Record(Type.String(Name), SnapshotCell, { additionalProperties: false });

/** Counts per table (rows deleted or inserted). */
export const TableCounts = Type.Record(Type.String(Name), Type.Integer({ minimum: 0 }), { additionalProperties: false });

/** The merchant's time after the change: its "now" and its whole offset from the wall clock. */
export const StateClock = Type.Object({ now: Type.String(), offset_seconds: Type.Integer() });

/** `POST /sandbox/v1/reset` takes no body, or an empty object (a field would suggest a partial reset, which there is not). */
export const ResetBody = Type.Object({}, { additionalProperties: false });

export const ResetResponse = Type.Object({ deleted: TableCounts, clock: StateClock });
export type ResetResponse = Static<typeof ResetResponse>;

/**
 * A merchant's whole state: every row of every merchant table (`tables`), its settings (the stored
 * overrides) and its clock, at `clock.now`. `schema` is the newest migration of the database it came
 * from; it imports into a database at that migration or a newer one, on either dialect.
 */
export const MerchantSnapshot = Type.Object(
  {
    format: Type.Literal(SNAPSHOT_FORMAT),
    version: Type.Literal(SNAPSHOT_VERSION),
    schema: Type.String({ pattern: '^[0-9]{4}_[a-z0-9_]+$', maxLength: 255 }),
    /** Wall-clock time of the export. */
    exported_at: Type.String({ maxLength: 64 }),
    merchant: Type.Object({ username: Type.String({ maxLength: 255 }) }, { additionalProperties: false }),
    /** The merchant's sandbox time when exported: ISO 8601 with milliseconds, and epoch milliseconds. */
    clock: Type.Object({ now: Type.String({ maxLength: 64 }), now_ms: Type.Integer({ minimum: 0, maximum: 8_640_000_000_000_000 }) }, { additionalProperties: false }),
    /** The merchant's stored settings (what `PATCH /sandbox/v1/settings` stored; `{}` for the defaults). */
    settings: Type.Record(Type.String({ maxLength: 64 }), Type.Unknown()),
    /** Table → its rows, in a stable order (primary key, or the order the database numbered them). */
    tables: Type.Record(Type.String(Name), Type.Array(SnapshotRow), { additionalProperties: false }),
  },
  { additionalProperties: false },
);
export type MerchantSnapshot = Static<typeof MerchantSnapshot>;

/** `PUT /sandbox/v1/snapshot?keep_clock=true` leaves the merchant's clock as it is. */
export const ImportQuery = Type.Object({ keep_clock: Type.Optional(StringEnum(['true', 'false'] as const)) });

export const ImportResponse = Type.Object({ imported: TableCounts, clock: StateClock });
export type ImportResponse = Static<typeof ImportResponse>;
