// uploadReference for the providers that take images by URL only (Apiframe,
// GPTImage2.ai, getimg.ai): the bytes go into an R2 bucket served at a public
// URL (a custom domain or r2.dev), and that URL goes to the provider.
export function r2Uploader(bucket, publicBaseUrl) {
  return async (bytes, mimeType) => {
    const key = `references/${crypto.randomUUID()}.${mimeType.split("/")[1]}`;
    await bucket.put(key, bytes, { httpMetadata: { contentType: mimeType } });
    return `${publicBaseUrl}/${key}`;
  };
}
