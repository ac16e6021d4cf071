/**
 * Klarna's line and total arithmetic (§0.5), pure. Each check returns the names of the offending
 * fields in Klarna's message style (`Bad value: order_lines[0].total_amount`).
 */
import type { OrderLine } from './schemas.js';

/** total_amount = quantity × unit_price − total_discount_amount, exactly. */
export function lineTotalErrors(lines: readonly OrderLine[], field = 'order_lines'): string[] {
  const errors: string[] = [];
  lines.forEach((line, i) => {
    const expected = BigInt(line.quantity) * BigInt(line.unit_price) - BigInt(line.total_discount_amount ?? 0);
    if (expected !== BigInt(line.total_amount)) errors.push(`${field}[${i}].total_amount`);
  });
  return errors;
}

/**
 * total_tax_amount within ±1 of total_amount × tax_rate / (10000 + tax_rate), in integers:
 * |tax × (10000 + r) − total × r| ≤ 10000 + r.
 */
export function lineTaxErrors(lines: readonly OrderLine[], field = 'order_lines'): string[] {
  const errors: string[] = [];
  lines.forEach((line, i) => {
    if (line.tax_rate === undefined || line.total_tax_amount === undefined) return;
    const denominator = 10000n + BigInt(line.tax_rate);
    const diff = BigInt(line.total_tax_amount) * denominator - BigInt(line.total_amount) * BigInt(line.tax_rate);
    if ((diff < 0n ? -diff : diff) > denominator) errors.push(`${field}[${i}].total_tax_amount`);
  });
  return errors;
}

export const sumTotals = (lines: readonly OrderLine[]): number => lines.reduce((sum, l) => sum + l.total_amount, 0);

export interface OrderTotals {
  order_amount: number;
  order_tax_amount: number;
  order_lines: readonly OrderLine[];
}

/**
 * Order-level checks of Payments and Checkout bodies. Two tax modes:
 * - global (EU/AU): lines carry tax; order_tax_amount = Σ total_tax_amount within ±(number of lines);
 * - US: tax travels as `sales_tax` lines; order_tax_amount = Σ of their total_amount.
 * In both, order_amount = Σ total_amount of all lines (the tax line is itself a line).
 */
export function orderTotalsErrors(order: OrderTotals): string[] {
  const errors = [...lineTotalErrors(order.order_lines), ...lineTaxErrors(order.order_lines)];
  if (sumTotals(order.order_lines) !== order.order_amount) errors.push('order_amount');
  const salesTaxLines = order.order_lines.filter((l) => l.type === 'sales_tax');
  const usMode = salesTaxLines.length > 0 && order.order_lines.every((l) => l.type === 'sales_tax' || l.tax_rate === undefined || l.tax_rate === 0);
  if (usMode) {
    if (sumTotals(salesTaxLines) !== order.order_tax_amount) errors.push('order_tax_amount');
  } else {
    const lineTax = order.order_lines.reduce((sum, l) => sum + (l.total_tax_amount ?? 0), 0);
    if (Math.abs(lineTax - order.order_tax_amount) > Math.max(order.order_lines.length, 0)) errors.push('order_tax_amount');
  }
  return errors;
}
