/** Facts Order Management announces inside its writes, for other modules' rules (platform/module.ts). */

/** The merchant acknowledged the order, or captured it for the first time (which acknowledges it, §1.3). */
export const ORDER_ACKNOWLEDGED = 'order.acknowledged';
