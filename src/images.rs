//! Requests whose images are bytes (`Uint8Array`, `ArrayBuffer`, `Blob`):
//! read into the `data:` URLs the core takes, by the helpers in `images.js`.

use crate::convert::to_json;
use gpt_image_core::image::label_untyped_images;
use gpt_image_core::Json;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/src/images.js")]
extern "C" {
    #[wasm_bindgen(js_name = imagesAsDataUrls)]
    fn images_as_data_urls(request: &JsValue) -> JsValue;

    #[cfg(feature = "client")]
    #[wasm_bindgen(js_name = readImages)]
    fn read_images(request: &JsValue) -> js_sys::Promise;

    /// `uploadReference(bytes, mimeType)`, checked to resolve to a string.
    #[cfg(feature = "client")]
    #[wasm_bindgen(js_name = callUploader)]
    pub fn call_uploader(uploader: &js_sys::Function, bytes: &[u8], mime: &str) -> js_sys::Promise;
}

/// A caller's request as JSON, byte images as data URLs labelled by the core
/// (Blobs need the async form).
pub fn request_json(request: &JsValue) -> Result<Json, JsValue> {
    let mut value = to_json(&images_as_data_urls(request))?;
    label_untyped_images(&mut value);
    Ok(value)
}

/// A caller's request as the JSON text `jsonText` writes, byte images as
/// data URLs: what npm/glue.mjs hands the core's text entries (which label
/// untyped ones).
pub fn request_text(request: &JsValue) -> String {
    crate::convert::json_text_of(&images_as_data_urls(request))
}

/// A caller's request as JSON, every byte image (Blobs and Files too) as a data URL.
#[cfg(feature = "client")]
pub async fn read_request_json(request: &JsValue) -> Result<Json, JsValue> {
    let read = wasm_bindgen_futures::JsFuture::from(read_images(request)).await?;
    let mut value = to_json(&read)?;
    label_untyped_images(&mut value);
    Ok(value)
}
