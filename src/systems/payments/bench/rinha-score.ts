import type { RinhaScript } from './rinha-scripts.ts';

/**
 * The scoring of the official `handleSummary` (same in both scripts). The scripts do their money in big.js,
 * which works on the decimal a number prints as (String(19.9) = "19.9"), rounds half away from zero, and
 * turns back into a number after each step; `Dec` below does the same so the score matches to the last digit.
 */

/** An exact decimal: `units / 10^scale`. */
interface Dec {
  units: bigint;
  scale: number;
}

const DECIMAL = /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]?\d+))?$/;

function dec(n: number): Dec {
  if (!Number.isFinite(n)) throw new RangeError(`not a finite amount: ${n}`);
  const [, sign, whole, fraction = '', exponent = '0'] = DECIMAL.exec(String(n))!;
  let units = BigInt(`${sign}${whole}${fraction}`);
  let scale = fraction.length - Number(exponent);
  if (scale < 0) {
    units *= 10n ** BigInt(-scale);
    scale = 0;
  }
  return { units, scale };
}

function add(a: Dec, b: Dec, sign: 1n | -1n = 1n): Dec {
  const scale = Math.max(a.scale, b.scale);
  return { units: a.units * 10n ** BigInt(scale - a.scale) + sign * b.units * 10n ** BigInt(scale - b.scale), scale };
}

function mul(a: Dec, b: Dec): Dec {
  return { units: a.units * b.units, scale: a.scale + b.scale };
}

/** big.js `toNumber()`: the nearest double to the exact decimal. */
function toNumber({ units, scale }: Dec): number {
  const digits = (units < 0n ? -units : units).toString().padStart(scale + 1, '0');
  const text = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  return Number(units < 0n ? `-${text}` : text);
}

/** `new Big(a).plus(b).toNumber()` */
export function bigPlus(a: number, b: number): number {
  return toNumber(add(dec(a), dec(b)));
}

/** `new Big(a).minus(b).toNumber()` */
export function bigMinus(a: number, b: number): number {
  return toNumber(add(dec(a), dec(b), -1n));
}

/** `new Big(a).times(b).toNumber()` */
export function bigTimes(a: number, b: number): number {
  return toNumber(mul(dec(a), dec(b)));
}

/** big.js `round(2)`: half away from zero on the printed decimal, so 2.555 → 2.56 where Math.round gives 2.55. */
export function round2(n: number): number {
  const { units, scale } = dec(n);
  if (scale <= 2) return n;
  const divisor = 10n ** BigInt(scale - 2);
  const magnitude = units < 0n ? -units : units;
  let rounded = magnitude / divisor;
  if ((magnitude % divisor) * 2n >= divisor) rounded++;
  return toNumber({ units: units < 0n ? -rounded : rounded, scale: 2 });
}

export interface ScoreInput {
  /** k6's p(99) of http_req_duration{expected_response:true}, in ms, unrounded. */
  p99Ms: number;
  /** The payments_inconsistency counter: the sum over all checks. */
  inconsistencies: number;
  /** total_bruto: the gross amount the teardown found. */
  gross: number;
  /** total_taxas: the two processors' fees, already added. */
  fees: number;
  /** transactions_success: POST /payments that got 200, 201, 202 or 204. */
  succeeded: number;
  /** default_total_requests + fallback_total_requests from the teardown. */
  recorded: number;
}

export interface RinhaScore {
  p99: number;
  bonus: number;
  fine: number;
  /** total_bruto − total_taxas, before bonus and fine. */
  liquid: number;
  /** The fine in money: liquid × fine. */
  fineAmount: number;
  /** total_liquido, the ranking value. */
  score: number;
  /** Succeeded POSTs minus recorded payments: lost payments when positive. */
  lag: number;
  /** More payments recorded than POSTs succeeded: described by the organisers as disqualification. */
  caixaDois: boolean;
}

export function rinhaScore(input: ScoreInput): RinhaScore {
  const p99 = round2(input.p99Ms);
  const bonus = Math.max(round2((11 - p99) * 0.02), 0);
  const fine = input.inconsistencies > 0 ? 0.35 : 0;
  const liquid = bigMinus(input.gross, input.fees);
  // Big(liquid).plus(Big(liquid).times(bonus)).minus(Big(liquid).times(fine)): exact until the end.
  const l = dec(liquid);
  const score = toNumber(add(add(l, mul(l, dec(bonus))), mul(l, dec(fine)), -1n));
  const lag = input.succeeded - input.recorded;
  return { p99, bonus, fine, liquid, fineAmount: bigTimes(liquid, fine), score, lag, caixaDois: lag < 0 };
}

/** What a processor's GET /admin/payments-summary answers. */
export interface AdminSummary {
  totalAmount: number;
  totalRequests: number;
  totalFee: number;
  feePerTransaction: number;
}

/** What the backend's GET /payments-summary answers. */
export interface BackendSummary {
  default: { totalRequests: number; totalAmount: number };
  fallback: { totalRequests: number; totalAmount: number };
}

export interface ProcessorTotals {
  totalRequests: number;
  totalAmount: number;
  totalFee: number;
}

export interface TeardownTotals {
  default: ProcessorTotals;
  fallback: ProcessorTotals;
  gross: number;
  fees: number;
}

/** The teardown's counters: the preview reads the backend's summary, the final the processors' own. */
export function teardownTotals(source: RinhaScript['teardown']['source'], processors: { default: AdminSummary; fallback: AdminSummary }, backend?: BackendSummary): TeardownTotals {
  const side = (name: 'default' | 'fallback'): ProcessorTotals => {
    const counted = source === 'backend' ? backend?.[name] : processors[name];
    if (!counted) throw new Error('the preview teardown needs the backend summary');
    return {
      totalRequests: counted.totalRequests,
      totalAmount: counted.totalAmount,
      totalFee: bigTimes(processors[name].feePerTransaction, counted.totalAmount),
    };
  };
  const totals = { default: side('default'), fallback: side('fallback') };
  return {
    ...totals,
    gross: bigPlus(totals.default.totalAmount, totals.fallback.totalAmount),
    fees: bigPlus(totals.default.totalFee, totals.fallback.totalFee),
  };
}

/** The inconsistencies one check adds, by the script's rule (counts only, since 2025-07-26). */
export function checkInconsistencies(rule: RinhaScript['check']['rule'], backend: BackendSummary, processors: { default: AdminSummary; fallback: AdminSummary }): number {
  const defaultDiff = backend.default.totalRequests - processors.default.totalRequests;
  const fallbackDiff = backend.fallback.totalRequests - processors.fallback.totalRequests;
  return rule === 'sum-of-differences' ? Math.abs(defaultDiff + fallbackDiff) : Math.abs(defaultDiff) + Math.abs(fallbackDiff);
}
