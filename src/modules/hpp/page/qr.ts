/**
 * QR codes of a session's `redirect_url` (`qr_code_url`, the distribution page), made with the
 * `qrcode` package: PNG by default, SVG on request. Error correction M (15 % of the code may be
 * damaged or covered) and the standard quiet zone of 4 modules, so phone cameras read it off a
 * screen or a print.
 */
import QRCode from 'qrcode';

export const QR_FORMATS = ['png', 'svg'] as const;
export type QrFormat = (typeof QR_FORMATS)[number];

const OPTIONS = { errorCorrectionLevel: 'M', margin: 4 } as const;

/** PNG: 8 pixels a module (about 300 px for a typical link). */
export const qrPng = (text: string): Promise<Buffer> => QRCode.toBuffer(text, { ...OPTIONS, type: 'png', scale: 8 });

/** SVG markup (one `<svg>` element with a viewBox, no size: it scales to its box). */
export const qrSvg = (text: string): Promise<string> => QRCode.toString(text, { ...OPTIONS, type: 'svg' });
