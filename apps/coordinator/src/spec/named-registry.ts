/** A problem a registry entry finds in a spec, with its field path from the spec's top. */
export interface SpecIssue {
  path: (string | number)[];
  message: string;
}

/**
 * Named entries a study spec refers to by key (searchers, trial schedulers), open to library users: a name registered
 * at any time before a spec is parsed is accepted by it.
 *
 * @example
 * const searchers = new NamedRegistry<SearcherEntry>('searcher');
 * searchers.register('random', randomEntry);
 * searchers.require('random'); // randomEntry; an unknown name throws, listing the known ones
 */
export class NamedRegistry<E> {
  private readonly entries = new Map<string, E>();
  constructor(readonly kind: string) {}

  /** Adds `name` (replacing an earlier entry of that name). */
  register(name: string, entry: E): void {
    this.entries.set(name, entry);
  }
  get(name: string): E | undefined {
    return this.entries.get(name);
  }
  names(): string[] {
    return [...this.entries.keys()];
  }
  /** What a spec says when it names something unregistered. */
  unknown(name: string): string {
    return `unknown ${this.kind} "${name}" (known: ${this.names().join(', ')})`;
  }
  require(name: string): E {
    const entry = this.entries.get(name);
    if (entry === undefined) throw new RangeError(this.unknown(name));
    return entry;
  }
}
