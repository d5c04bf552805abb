// Types for gpt-image-edge in browsers: validation, prices and the providers'
// descriptions. Nothing that builds or reads provider traffic ships to a page
// (it takes keys): the wire formats and webhook checks are server-side only.
export type * from "./common.js";
export { GptImageError, costFromUsage, estimateCost, providerInfo, readBounded, validateRequest } from "./common.js";
