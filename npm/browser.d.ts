// Types for gpt-image-edge in browsers: validation, estimates and the providers'
// descriptions. Nothing that builds or reads provider traffic ships to a page
// (it takes keys): the wire formats, the price of an answer's usage
// (costFromUsage) and webhook checks are server-side only.
export type * from "./common.js";
export { GptImageError, estimateCost, providerInfo, readBounded, validateRequest } from "./common.js";
