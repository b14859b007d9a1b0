/**
 * Callback data of the risk buttons (prefix `risk:`). Confirm / cancel carry only an opaque
 * token; Move carries the amount it offers and opens a preview with its own confirm step
 * (like typing `/topup N`); Keep open carries the position id.
 */
export const RISK_CB = {
  ok: 'risk:ok:',
  no: 'risk:no:',
  move: 'risk:mv:',
  keep: 'risk:keep:',
} as const;

export const keepOpenData = (positionId: string): string => `${RISK_CB.keep}${positionId}`;
