/**
 * A closed set of statuses and the changes allowed between them. Every write that changes a status
 * asserts its change against its table; a change the table does not list is a bug, never a refusal
 * (refusals are decided, with Klarna's error, before any change is made).
 */
export class Transitions<S extends string> {
  constructor(
    private readonly name: string,
    private readonly table: Readonly<Record<S, readonly S[]>>,
  ) {}

  allows(from: S, to: S): boolean {
    return this.table[from].includes(to);
  }

  assert(from: S, to: S): void {
    if (!this.allows(from, to)) throw new Error(`illegal ${this.name} status transition ${from} → ${to}`);
  }
}
