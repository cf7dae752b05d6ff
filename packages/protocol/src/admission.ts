/**
 * Who may open a connection before authenticating: caps on pending (unauthenticated) connections, in total and per
 * remote address, and a per-address lockout after repeated failed authentications. Production websocket servers
 * bound the unauthenticated phase the same way (nginx's limit_conn, HAProxy's maxconn per source): an attacker can
 * then hold at most `maxPendingPerAddress` file descriptors and a few kilobytes each, for a few seconds.
 */
export interface AdmissionLimits {
  /** Unauthenticated connections held at once, over all addresses. Default 512 (half the common 1024-descriptor limit). */
  maxPending?: number;
  /** Unauthenticated connections held at once from one address. Default 64. */
  maxPendingPerAddress?: number;
  /** Failed authentications from one address within `failureWindowMs` before it is locked out. Default 5. */
  maxAuthFailures?: number;
  /** Window of the failure count, and how long a locked-out address stays refused. Default 60 s. */
  failureWindowMs?: number;
}

/**
 * Admission state of one server (see AdmissionLimits).
 * @example
 * const gate = new Admission({ maxPendingPerAddress: 8 });
 * const refusal = gate.admit('10.0.0.5'); // null: admitted (call settle('10.0.0.5') when it authenticates or closes)
 */
export class Admission {
  readonly maxPending: number;
  readonly maxPendingPerAddress: number;
  readonly maxAuthFailures: number;
  readonly failureWindowMs: number;
  private pending = 0;
  private readonly perAddress = new Map<string, number>();
  private readonly failures = new Map<string, number[]>();

  constructor(limits: AdmissionLimits = {}) {
    const positive = (name: keyof AdmissionLimits, fallback: number) => {
      const v = limits[name] ?? fallback;
      if (!Number.isInteger(v) || v < 1) throw new TypeError(`admission limits: "${name}" must be a positive integer, got ${v}`);
      return v;
    };
    this.maxPending = positive('maxPending', 512);
    this.maxPendingPerAddress = positive('maxPendingPerAddress', 64);
    this.maxAuthFailures = positive('maxAuthFailures', 5);
    this.failureWindowMs = positive('failureWindowMs', 60_000);
  }

  /** Admits one new unauthenticated connection from `address`, or says why not (nothing is counted then). */
  admit(address: string): string | null {
    if (this.recentFailures(address) >= this.maxAuthFailures) return `too many failed authentications from ${address}; locked out for up to ${this.failureWindowMs} ms`;
    if (this.pending >= this.maxPending) return `${this.pending} unauthenticated connections already pending`;
    const mine = this.perAddress.get(address) ?? 0;
    if (mine >= this.maxPendingPerAddress) return `${mine} unauthenticated connections from ${address} already pending`;
    this.pending++;
    this.perAddress.set(address, mine + 1);
    return null;
  }

  /** An admitted connection is no longer pending (it authenticated, or it closed). Call once per admit. */
  settle(address: string): void {
    this.pending--;
    const mine = (this.perAddress.get(address) ?? 1) - 1;
    if (mine > 0) this.perAddress.set(address, mine);
    else this.perAddress.delete(address);
  }

  /** Counts a failed authentication from `address` towards its lockout. */
  recordFailure(address: string): void {
    const now = Date.now();
    const kept = (this.failures.get(address) ?? []).filter((t) => now - t < this.failureWindowMs);
    kept.push(now);
    this.failures.set(address, kept);
    // Many addresses (an IPv6 prefix) must not grow the table without bound: forget the expired ones now and then.
    if (this.failures.size > 4096) for (const a of [...this.failures.keys()]) this.recentFailures(a);
  }

  /** Unauthenticated connections held now (over all addresses). */
  get pendingCount(): number {
    return this.pending;
  }

  private recentFailures(address: string): number {
    const times = this.failures.get(address);
    if (!times) return 0;
    const now = Date.now();
    const kept = times.filter((t) => now - t < this.failureWindowMs);
    if (kept.length) this.failures.set(address, kept);
    else this.failures.delete(address);
    return kept.length;
  }
}
