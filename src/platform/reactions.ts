/**
 * Facts and reactions: a module states a fact inside its write's transaction (Order Management:
 * `order.acknowledged`), and the rules other modules declared for it (platform/module.ts) run in
 * that same transaction, so the platform and the announcing module name none of them.
 */
import type { Sql } from './db/sql.js';

/** Something a module states inside its write's transaction, for other modules' rules to react to. */
export interface Fact {
  readonly type: string;
  readonly merchantId: string;
  /** The resource it is about (an order id, a session id, …). */
  readonly subjectId: string;
  readonly now: number;
  /** What the announcing module tells about it (its facts.ts names the shape of each type). */
  readonly data?: unknown;
  /**
   * The merchant's settings (their stored JSON) as the announcing transaction read them, when it
   * did: a reaction that needs them reads them from here instead of asking the database again.
   */
  readonly settingsJson?: string;
}

/** A rule one module adds to another's writes: runs in the announcing transaction. */
export type Reaction = (sql: Sql, fact: Fact) => Promise<void>;

export interface ModuleReactions {
  readonly reactions?: Readonly<Record<string, Reaction>>;
}

/** Runs the reactions every module declared to a fact. */
export class Reactions {
  private readonly byType = new Map<string, Reaction[]>();

  constructor(modules: readonly ModuleReactions[]) {
    for (const module of modules) {
      for (const [type, reaction] of Object.entries(module.reactions ?? {})) {
        this.byType.set(type, [...(this.byType.get(type) ?? []), reaction]);
      }
    }
  }

  async announce(sql: Sql, fact: Fact): Promise<void> {
    for (const reaction of this.byType.get(fact.type) ?? []) await reaction(sql, fact);
  }
}
