/**
 * QR codes of a session's `redirect_url` (`qr_code_url`, the distribution page), made with the
 * `qrcode` package: PNG by default, SVG on request. Error correction M (15 % of the code may be
 * damaged or covered) and the standard quiet zone of 4 modules, so phone cameras read it off a
 * screen or a print.
 */
// The encoder loads with the first QR code asked for, not with the server.
const qrcode = async () => (await import('qrcode')).default;

export const QR_FORMATS = ['png', 'svg'] as const;
export type QrFormat = (typeof QR_FORMATS)[number];

const OPTIONS = { errorCorrectionLevel: 'M', margin: 4 } as const;

/** PNG: 8 pixels a module (about 300 px for a typical link). */
export const qrPng = async (text: string): Promise<Buffer> => (await qrcode()).toBuffer(text, { ...OPTIONS, type: 'png', scale: 8 });

/** SVG markup (one `<svg>` element with a viewBox, no size: it scales to its box). */
export const qrSvg = async (text: string): Promise<string> => (await qrcode()).toString(text, { ...OPTIONS, type: 'svg' });
