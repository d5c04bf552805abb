//! The synchronous providers: the images made during the submit, by N calls
//! at once where a provider makes one image a call (getimg.ai), or by one
//! call (maybe streamed, maybe a multipart upload of its images).

use super::errors::unknown_with_key;
use super::send::Resend;
use super::{Client, OnPartial, Prepared};
use crate::error::Error;
use crate::handle::Handle;
use crate::io::Io;
use crate::job::Job;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

impl Client {
    /// The synchronous providers: make the images now (getimg.ai: N calls at once).
    pub(super) async fn generate_now<I: Io>(
        &self,
        io: &I,
        prepared: &Prepared,
        deadline: f64,
        handle: &mut Handle,
        streaming: Option<(u8, OnPartial<'_>)>,
    ) -> Result<(), Error> {
        let mut request = prepared.plan.request.clone();
        let mut fields = prepared.plan.multipart.as_ref().map(|m| m.fields.clone());
        let p = self.provider();
        if let Some((n, _)) = &streaming {
            p.wire()
                .ask_to_stream(&mut request.body, fields.as_mut(), *n);
        }
        if let Some(mp) = &prepared.plan.multipart {
            // An upload of the images (OpenAI's edits): each one decoded or
            // downloaded here, then the form.
            let mask_max = prepared.request.limits.mask_max_bytes;
            let mut files = Vec::with_capacity(mp.files.len() + 1);
            for (i, u) in mp.files.iter().enumerate() {
                let path = format!("references[{i}]");
                let image = self.image_bytes(io, u, &path, deadline).await?;
                files.push(image.part(p, mp.file_field, Some(i), mask_max)?);
            }
            if let Some(m) = &mp.mask {
                let image = self.image_bytes(io, m, "mask", deadline).await?;
                files.push(image.part(p, mp.file_field, None, mask_max)?);
            }
            let fields = fields.as_deref().unwrap_or(&mp.fields);
            crate::multipart::encode_into(&mut request, fields, &files, &io.new_id());
        }
        // A generation can take minutes: its timeout is the deadline, not the
        // per-request timeout (fixed short timeouts lose billed images).
        let timeout = (deadline - io.now_ms()).max(1.0) as u64;
        let ctx = self.parse_context(prepared.request.output_format, Some(prepared.request.rules));
        if let Some((_, on_partial)) = streaming {
            let images = prepared.request.images();
            let streamed = self
                .stream_once(io, &request, timeout, &ctx, images, on_partial)
                .await;
            if let Some(job) = streamed.job {
                handle.job_id = job.id.clone();
                handle.result = Some(job);
            }
            return match streamed.error {
                None => Ok(()),
                Some(e) => Err(unknown_with_key(e, &prepared.key)),
            };
        }
        let calls = (0..prepared.plan.calls)
            .map(|_| self.send(io, &request, timeout, deadline, Resend::Unsafe, &ctx))
            .collect();
        let results = JoinAll::new(calls).await;
        let (done, failed): (Vec<_>, Vec<_>) = results.into_iter().partition(Result::is_ok);
        let jobs: Vec<Job> = done.into_iter().filter_map(Result::ok).collect();
        let errors: Vec<Error> = failed.into_iter().filter_map(Result::err).collect();
        // More than one call where a call makes one image: one job of them all.
        if let Some(merged) = Job::merge(jobs, "calls' bills") {
            handle.job_id = merged.id.clone();
            handle.result = Some(merged);
        }
        match errors.into_iter().next() {
            None => Ok(()),
            Some(e) => {
                let made = handle.result.as_ref().map_or(0, |j| j.images.len());
                let e = unknown_with_key(e, &prepared.key);
                if made == 0 {
                    return Err(e);
                }
                let mut e = e;
                e.message = format!(
                    "{}; {made} of {} images were made and are in the error's handle.result",
                    e.message, prepared.plan.calls
                );
                Err(e)
            }
        }
    }
}

/// Run futures concurrently on one thread and collect their outputs in order.
struct JoinAll<F: Future> {
    pending: Vec<Option<Pin<Box<F>>>>,
    outputs: Vec<Option<F::Output>>,
}

impl<F: Future> JoinAll<F> {
    fn new(futures: Vec<F>) -> JoinAll<F> {
        let n = futures.len();
        JoinAll {
            pending: futures.into_iter().map(|f| Some(Box::pin(f))).collect(),
            outputs: (0..n).map(|_| None).collect(),
        }
    }
}

impl<F: Future> Future for JoinAll<F> {
    type Output = Vec<F::Output>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // Safe: JoinAll holds its futures boxed, so it is Unpin.
        let this = self.get_mut();
        let mut all_done = true;
        for (slot, out) in this.pending.iter_mut().zip(this.outputs.iter_mut()) {
            if let Some(f) = slot {
                match f.as_mut().poll(cx) {
                    Poll::Ready(v) => {
                        *out = Some(v);
                        *slot = None;
                    }
                    Poll::Pending => all_done = false,
                }
            }
        }
        if all_done {
            Poll::Ready(this.outputs.iter_mut().filter_map(Option::take).collect())
        } else {
            Poll::Pending
        }
    }
}

impl<F: Future> Unpin for JoinAll<F> {}
