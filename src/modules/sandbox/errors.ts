/** The sandbox controls' own refusals, in Klarna's envelope. */
import { ApiError } from '../../platform/http/errors.js';

/** An unknown callback id, or another merchant's: the same answer. */
export const callbackNotFound = () => new ApiError(404, 'NOT_FOUND', ['Callback not found']);

/** Another process (or the dispatcher) is delivering the callback right now. */
export const callbackBusy = () => new ApiError(409, 'CONFLICT', ['The callback is being delivered now; ask again once that attempt is recorded']);
