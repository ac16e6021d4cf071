/**
 * The module contract: what an API module brings to the server, in one object. `src/app.ts` and
 * `src/main.ts` list the modules once (`src/modules/index.ts`) and take everything from there:
 *
 *  - its Klarna routes, and its `/sandbox/v1` routes (left out with `--no-sandbox`);
 *  - the kinds of merchant callback it sends, each with its delivery policy and, where pending
 *    attempts can stop being wanted, the condition that ends them;
 *  - its background steps: timed behaviour that falls due (expiry, decisions, and soon payouts), run by
 *    every process's sweep and at once by a sandbox clock advance;
 *  - the rules it adds to what other modules do: reactions to facts another module announces in its
 *    own transaction (Checkout ends its push when Order Management announces `order.acknowledged`).
 *
 * Nothing here knows a Klarna rule; the platform only runs what the modules declare.
 */
import type { App, DueStep, ModuleDeps, ModuleDueStep } from './app.js';
import type { Reaction } from './reactions.js';
import { Reactions } from './reactions.js';
import type { CallbackKind } from './outbox/callbacks.js';
import type { CallbackDispatcher } from './outbox/dispatcher.js';

export interface ApiModule {
  readonly name: string;
  /** Klarna's routes this module serves (and its shopper pages). */
  routes?(app: App, deps: ModuleDeps): void;
  /** Its routes under `/sandbox/v1`: what Klarna does behind its walls, for tests. */
  sandboxRoutes?(app: App, deps: ModuleDeps): void;
  readonly callbacks?: readonly CallbackKind[];
  readonly dueWork?: readonly ModuleDueStep[];
  /** Fact type → the rule that reacts to it. */
  readonly reactions?: Readonly<Record<string, Reaction>>;
  /**
   * Request hooks the module adds to every route (fault injection, the API call log), registered
   * after authentication and before any route; each decides itself what `--no-sandbox` turns off (config.sandbox).
   */
  hooks?(app: App, deps: ModuleDeps): void;
  /** Path segments that authenticate whoever holds them, blanked in logs (first group kept). */
  readonly secretPaths?: readonly RegExp[];
}

/** Every module's background steps, in the order the modules are listed. */
export function dueWorkOf(modules: readonly ApiModule[]): DueStep {
  const steps = modules.flatMap((m) => m.dueWork ?? []);
  const reactions = new Reactions(modules);
  return async (db, group) => {
    for (const step of steps) await step(db, group, reactions);
  };
}

/** Gives the dispatcher every module's stop conditions; refuses two modules claiming one kind. */
export function registerCallbackKinds(modules: readonly ApiModule[], dispatcher: CallbackDispatcher): void {
  const seen = new Set<string>();
  for (const spec of modules.flatMap((m) => m.callbacks ?? [])) {
    if (seen.has(spec.kind)) throw new Error(`callback kind ${spec.kind} is declared twice`);
    seen.add(spec.kind);
    if (spec.stopWhen) dispatcher.onStop(spec.kind, spec.stopWhen);
  }
}
